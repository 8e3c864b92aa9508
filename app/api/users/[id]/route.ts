import { z } from "zod";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { apiError, checkOrigin, clientIp, json, parseWith, readJson, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { roleSchema } from "@/lib/invitations";
import { updateUser } from "@/lib/users";

const patchSchema = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((b) => b.role !== undefined || b.disabled !== undefined, "Give a role or disabled.");

export const PATCH = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("user_not_found");
  const parsed = await readJson(request, patchSchema);
  if (!parsed.ok) return parsed.response;
  const result = await updateUser(db, { id: id.data, actorUserId: auth.session.user.id, ...parsed.data, ip: clientIp(request) });
  if (!result.ok) return apiError(result.reason);
  const { createdAt, ...user } = result.user;
  return json({ user: { ...user, created_at: createdAt.toISOString() } });
});
