import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { userPatchBody, userPatchResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, noContent, parseWith, readJson, requestMeta, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { deleteUser, updateUser, userJson } from "@/lib/users";

type Ctx = { params: Promise<{ id: string }> };

export const PATCH = route(async (request, ctx: Ctx) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "PATCH /api/users/:id");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("user_not_found");
  const parsed = await readJson(request, userPatchBody);
  if (!parsed.ok) return parsed.response;
  const result = await updateUser(db, { id: id.data, actorUserId: auth.session.user.id, ...parsed.data, ...requestMeta(request) });
  if (!result.ok) return apiError(result.reason);
  return respond(userPatchResponse, { user: userJson(result.user) });
});

/** Only a user who never set a password (204); anyone else is disabled instead (409 user_active). */
export const DELETE = route(async (request, ctx: Ctx) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "DELETE /api/users/:id");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("user_not_found");
  const result = await deleteUser(db, { id: id.data, actorUserId: auth.session.user.id, ...requestMeta(request) });
  if (!result.ok) return apiError(result.reason);
  return noContent();
});
