import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { revokeInvitationResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, parseWith, requestMeta, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { revokeInvitation } from "@/lib/invitations";

export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/invitations/:id/revoke");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("invitation_not_found");
  const result = await revokeInvitation(db, id.data, auth.session.user.id, requestMeta(request));
  if (!result.ok) return apiError(result.reason);
  return respond(revokeInvitationResponse, { ok: true });
});
