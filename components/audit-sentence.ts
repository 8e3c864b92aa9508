// Audit events as sentences a person reads, in the reader's language (messages/<l>/audit.json). The
// action codes (`user.login_failed`) never reach the page.
import type { createTranslator } from "next-intl";
import type { Messages } from "@/messages";

export type AuditEventView = {
  id: string;
  action: string;
  actor: { id: string; email: string } | null;
  target: { id: string; email: string } | null;
  invitation_id?: string | null;
  ip?: string | null;
  user_agent?: string | null;
  details?: Record<string, unknown> | null;
  created_at: string;
};

/** Every action the log knows, in the order the filter offers them; each has a label in messages/<l>/audit.json `actions`. */
export const ACTION_CODES = [
  "invitation.created",
  "invitation.replaced",
  "invitation.reissued",
  "invitation.revoked",
  "invitation.claimed",
  "invitation.claim_rejected",
  "user.login",
  "user.login_failed",
  "user.logout",
  "user.sessions_revoked",
  "user.session_revoked",
  "user.role_changed",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "invitation.reset_issued",
  "user.password_changed",
  "user.password_change_failed",
  "user.reauthenticated",
  "user.reauth_failed",
  "email.sent",
  "email.failed",
  "user.reset_request_dropped",
  "audit.exported",
  "admin.bootstrapped",
] as const;

/** The translator of the `audit` messages: useTranslations("audit") or await getTranslations("audit"). */
export type AuditTranslator = ReturnType<typeof createTranslator<Messages, "audit">>;
type Key = Parameters<AuditTranslator>[0];

const MAIL_KINDS = new Set(["invitation", "reset", "invitation_accepted", "password_changed", "reset_claimed"]);

const REJECTIONS = new Set([
  "invitation_already_used",
  "invitation_revoked",
  "invitation_expired",
  "invitation_not_found",
  "weak_password",
  "invalid_onboarding_token",
  "onboarding_token_mismatch",
  "rate_limited",
  "user_disabled",
]);

/** The filter's label of an action code ("Invited"), or the code in words for one this page does not know. */
export function actionLabel(t: AuditTranslator, code: string): string {
  return (ACTION_CODES as readonly string[]).includes(code) ? t(`actions.${code}` as Key) : words(code);
}

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : typeof v === "number" ? String(v) : null;
}

/** Turns a code we do not know into words rather than showing it raw: "user.magic_thing" → "user magic thing". */
function words(code: string): string {
  return code.replace(/[._]+/g, " ").trim();
}

/** An event as one sentence in the translator's language; addresses, devices and unknown reasons are shown as recorded. */
export function auditSentence(e: AuditEventView, t: AuditTranslator): string {
  const d = e.details ?? {};
  const actor = e.actor?.email ?? t("someone");
  const target = e.target?.email ?? str(d.email) ?? t("unknownAddress");
  const role = (value: unknown) => {
    const r = str(value);
    return r === "admin" || r === "member" ? t(`roles.${r}`) : r;
  };
  const mail = () => {
    const kind = str(d.kind);
    return kind && MAIL_KINDS.has(kind) ? t(`mailKinds.${kind}` as Key) : t("mailKinds.other");
  };
  const reason = str(d.reason);
  const device = str(d.user_agent);
  const withDetail = (text: string, detail: string | null) => (detail ? t("s.withDetail", { text, detail }) : text);
  switch (e.action) {
    case "invitation.created": {
      const as = role(d.role);
      return as ? t("s.invitedAs", { actor, target, role: as }) : t("s.invited", { actor, target });
    }
    case "invitation.replaced": {
      const as = role(d.role);
      return as ? t("s.replacedAs", { actor, target, role: as }) : t("s.replaced", { actor, target });
    }
    case "invitation.reissued":
      return t("s.reissued", { actor, target });
    case "invitation.revoked":
      return t("s.revoked", { actor, target });
    case "invitation.claimed":
      return d.kind === "reset" ? t("s.claimedReset", { target }) : t("s.claimed", { target });
    case "invitation.reset_issued":
      return d.requested === "self_service" ? t("s.resetSelfService", { target }) : t("s.resetIssued", { actor, target });
    case "email.sent":
      return t("s.emailSent", { mail: mail(), target });
    case "email.failed":
      return reason ? t("s.emailFailedWhy", { mail: mail(), target, reason: words(reason) }) : t("s.emailFailed", { mail: mail(), target });
    case "user.reset_request_dropped":
      return reason ? t("s.resetDroppedWhy", { target, reason: words(reason) }) : t("s.resetDropped", { target });
    case "user.password_changed":
      return t("s.passwordChanged", { actor });
    case "user.password_change_failed":
      return t("s.passwordChangeFailed", { actor });
    case "user.reauthenticated":
      return t("s.reauthenticated", { actor });
    case "user.reauth_failed":
      return t("s.reauthFailed", { actor });
    case "invitation.claim_rejected": {
      const code = reason ?? str(d.code);
      const why = code ? (REJECTIONS.has(code) ? t(`rejections.${code}` as Key) : words(code)) : t("rejections.other");
      return withDetail(t("s.claimRejected", { why }), e.target?.email ?? null);
    }
    case "user.login":
      return t("s.login", { who: e.actor?.email ?? target });
    case "user.login_failed":
      return t("s.loginFailed", { who: e.target?.email ?? str(d.email) ?? t("noAccountAddress") });
    case "user.logout":
      return t("s.logout", { who: e.actor?.email ?? target });
    case "user.sessions_revoked":
      return typeof d.revoked === "number" ? t("s.sessionsRevoked", { actor, count: d.revoked }) : t("s.sessionsRevokedAll", { actor });
    case "user.session_revoked":
      return withDetail(
        e.actor && e.target && e.actor.id !== e.target.id ? t("s.sessionRevokedOf", { actor, target }) : t("s.sessionRevokedOwn", { actor }),
        device,
      );
    case "user.role_changed": {
      const from = role(d.from);
      const to = role(d.to);
      if (from && to) return t("s.roleChangedFromTo", { actor, target, from, to });
      if (from) return t("s.roleChangedFrom", { actor, target, from });
      if (to) return t("s.roleChangedTo", { actor, target, to });
      return t("s.roleChanged", { actor, target });
    }
    case "user.disabled":
      return t("s.disabled", { actor, target });
    case "user.enabled":
      return t("s.enabled", { actor, target });
    case "user.deleted":
      return t("s.deleted", { actor, target });
    case "audit.exported":
      return t("s.exported", { actor });
    case "admin.bootstrapped":
      return e.target ? t("s.bootstrapped", { email: e.target.email }) : t("s.bootstrappedInvitation");
    default: {
      const what = e.actor ? t("s.unknownBy", { actor: e.actor.email, what: words(e.action) }) : words(e.action);
      return withDetail(what, e.target?.email ?? null);
    }
  }
}

/** The API may still send actor/target as a bare address (older shape); accept both. */
export function normalizeEvent(raw: Record<string, unknown>): AuditEventView {
  const who = (v: unknown) =>
    v && typeof v === "object" && "email" in v ? (v as { id: string; email: string }) : typeof v === "string" ? { id: "", email: v } : null;
  return {
    id: String(raw.id),
    action: String(raw.action),
    actor: who(raw.actor),
    target: who(raw.target),
    invitation_id: (raw.invitation_id as string | null) ?? null,
    ip: (raw.ip as string | null) ?? null,
    user_agent: (raw.user_agent as string | null) ?? null,
    details: (raw.details as Record<string, unknown> | null) ?? null,
    created_at: String(raw.created_at),
  };
}
