import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { apiError, checkOrigin, json, parseWith, requestMeta, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { revokeInvitation } from "@/lib/invitations";

export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("invitation_not_found");
  const result = await revokeInvitation(db, id.data, auth.session.user.id, requestMeta(request));
  if (!result.ok) return apiError(result.reason);
  return json({ ok: true });
});
