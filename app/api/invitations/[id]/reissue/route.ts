import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { apiError, checkOrigin, json, parseWith, rateLimited, requestMeta, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { reissueInvitation } from "@/lib/invitations";
import { hit, LIMITS } from "@/lib/rate-limit";

export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("invitation_not_found");
  const limit = await hit(db, LIMITS.invitePerAdmin, auth.session.user.id);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);
  const result = await reissueInvitation(db, id.data, auth.session.user.id, requestMeta(request));
  if (!result.ok) return apiError(result.reason, "message" in result ? result.message : undefined);
  const { id: newId, email, role, kind, url, expiresAt } = result.invitation;
  return json({ invitation: { id: newId, email, role, kind, url, expires_at: expiresAt.toISOString() } }, 201);
});
