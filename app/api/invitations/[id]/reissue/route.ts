import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { reissuedInvitationResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, parseWith, rateLimited, requestMeta, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { idSchema } from "@/lib/ids";
import { hit, LIMITS } from "@/lib/rate-limit";
import { reissueLink } from "@/lib/users";

export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/invitations/:id/reissue");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("invitation_not_found");
  const limit = await hit(db, LIMITS.invitePerAdmin, auth.session.user.id);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);
  const result = await reissueLink(db, { id: id.data, actorUserId: auth.session.user.id, fresh: auth.session.fresh, ...requestMeta(request) });
  if (!result.ok) {
    if (result.reason === "cannot_change_self") return apiError("cannot_change_self", tr("api.cannot_reset_self"));
    return apiError(result.reason, "message" in result ? result.message : undefined);
  }
  const { id: newId, email, role, kind, url, expiresAt, locale, emailed } = result.invitation;
  // With email on, a reset link is only mailed to its user (url null); an invitation's is shown too.
  return respond(reissuedInvitationResponse, { invitation: { id: newId, email, role, kind, url, expires_at: expiresAt.toISOString(), locale, emailed } }, 201);
});
