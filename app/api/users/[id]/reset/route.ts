import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { resetBody, resetResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, parseWith, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { idSchema } from "@/lib/ids";
import { hit, LIMITS } from "@/lib/rate-limit";
import { issueReset } from "@/lib/users";

/**
 * A password-reset link for another user (lib/users.ts issueReset): 201 with the link, shown once;
 * with email on, mailed to the user instead and never shown.
 * Counted against the admin's invitation limit, like every link an admin mints.
 */
export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/users/:id/reset");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("user_not_found");
  // The body is optional: no body at all means the defaults.
  const parsed = request.body === null && !request.headers.get("content-type") ? parseWith(resetBody, {}) : await readJson(request, resetBody);
  if (!parsed.ok) return parsed.response;
  const limit = await hit(db, LIMITS.invitePerAdmin, auth.session.user.id);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);
  const result = await issueReset(db, {
    id: id.data,
    actorUserId: auth.session.user.id,
    expiresInSeconds: parsed.data.expires_in_seconds,
    ...requestMeta(request),
  });
  if (!result.ok) {
    if (result.reason === "cannot_change_self") return apiError("cannot_change_self", tr("api.cannot_reset_self"));
    return apiError(result.reason);
  }
  const { id: invitationId, email, kind, url, expiresAt, emailed } = result.invitation;
  // With email on, the link is only mailed to the user (url null, emailed true).
  return respond(resetResponse, { invitation: { id: invitationId, email, kind, url, expires_at: expiresAt.toISOString(), emailed } }, 201);
});
