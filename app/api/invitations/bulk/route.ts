import { z } from "zod";
import { getDb } from "@/db";
import { requireAccess } from "@/lib/authz";
import { checkOrigin, json, readJson, requestMeta, route } from "@/lib/http";
import { LOCALES } from "@/lib/i18n/locales";
import { currentLocale, msg } from "@/lib/i18n/request-locale";
import { expiresSchema, inviteMany, MAX_BULK_BODY_BYTES, MAX_BULK_EMAILS, roleSchema } from "@/lib/invitations";
import { hit, LIMITS } from "@/lib/rate-limit";

const bulkSchema = z.object({
  // Any string: a line that is not a usable address is that line's outcome (invalid_email), not the
  // request's failure. The body cap bounds the work.
  emails: z
    .array(z.string())
    .min(1, "emails must list 1 to 500 addresses.")
    .max(MAX_BULK_EMAILS, "emails must list 1 to 500 addresses."),
  role: roleSchema,
  expires_in_seconds: expiresSchema.optional(),
  replace: z.boolean().optional(),
  // The invitee's language (en or de): their link's page and its emails. Default: this request's.
  locale: z.enum(LOCALES, msg("api.invalid_locale")).optional(),
});

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/invitations/bulk");
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, bulkSchema, MAX_BULK_BODY_BYTES);
  if (!parsed.ok) return parsed.response;
  const adminId = auth.session.user.id;

  const results = await inviteMany(db, {
    emails: parsed.data.emails,
    role: parsed.data.role,
    expiresInSeconds: parsed.data.expires_in_seconds,
    replace: parsed.data.replace ?? false,
    createdBy: adminId,
    // Every invitee's language; without one, the inviting admin's own (this request's).
    locale: parsed.data.locale ?? currentLocale(),
    ...requestMeta(request),
    // Each address about to be invited counts against the admin's limit, on its own.
    countInvite: async () => (await hit(db, LIMITS.invitePerAdmin, adminId)).ok,
  });
  return json({
    results: results.map((r) =>
      r.invitation
        ? { email: r.email, outcome: r.outcome, invitation: { id: r.invitation.id, url: r.invitation.url, expires_at: r.invitation.expiresAt.toISOString(), locale: r.invitation.locale, emailed: r.invitation.emailed } }
        : { email: r.email, outcome: r.outcome },
    ),
  });
});
