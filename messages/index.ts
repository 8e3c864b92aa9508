// Every user-facing string, per language and per area. English is the reference: its keys are the
// type of every translator (global.d.ts), and lib/i18n/messages.test.ts fails when another language
// misses a key, has one English lacks, or uses different {placeholders}.
import deAdmin from "./de/admin.json";
import deApi from "./de/api.json";
import deAudit from "./de/audit.json";
import deAuth from "./de/auth.json";
import deCommon from "./de/common.json";
import deEmail from "./de/email.json";
import deErrors from "./de/errors.json";
import deOnboarding from "./de/onboarding.json";
import dePassword from "./de/password.json";
import enAdmin from "./en/admin.json";
import enApi from "./en/api.json";
import enAudit from "./en/audit.json";
import enAuth from "./en/auth.json";
import enCommon from "./en/common.json";
import enEmail from "./en/email.json";
import enErrors from "./en/errors.json";
import enOnboarding from "./en/onboarding.json";
import enPassword from "./en/password.json";

const en = {
  common: enCommon,
  errors: enErrors,
  api: enApi,
  password: enPassword,
  auth: enAuth,
  onboarding: enOnboarding,
  admin: enAdmin,
  audit: enAudit,
  email: enEmail,
};

export type Messages = typeof en;

export const MESSAGES: Record<"en" | "de", Messages> = {
  en,
  // Checked key for key against English by lib/i18n/messages.test.ts (JSON imports are typed loosely).
  de: {
    common: deCommon,
    errors: deErrors,
    api: deApi,
    password: dePassword,
    auth: deAuth,
    onboarding: deOnboarding,
    admin: deAdmin,
    audit: deAudit,
    email: deEmail,
  } as unknown as Messages,
};
