import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { bulkInvitationBody, bulkInvitationResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { checkOrigin, readJson, requestMeta, route } from "@/lib/http";
import { currentLocale } from "@/lib/i18n/request-locale";
import { inviteMany, MAX_BULK_BODY_BYTES } from "@/lib/invitations";
import { hit, LIMITS } from "@/lib/rate-limit";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/invitations/bulk");
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, bulkInvitationBody, MAX_BULK_BODY_BYTES);
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
  return respond(bulkInvitationResponse, {
    results: results.map((r) =>
      r.invitation
        ? { email: r.email, outcome: r.outcome, invitation: { id: r.invitation.id, url: r.invitation.url, expires_at: r.invitation.expiresAt.toISOString(), locale: r.invitation.locale, emailed: r.invitation.emailed } }
        : { email: r.email, outcome: r.outcome },
    ),
  });
});
