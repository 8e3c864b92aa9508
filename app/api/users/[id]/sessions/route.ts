import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { sessionsResponse } from "@/lib/api/schemas";
import { listUserSessions, sessionJson } from "@/lib/auth/session";
import { requireAccess } from "@/lib/authz";
import { apiError, parseWith, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";
import { userExists } from "@/lib/users";

/** A user's live sessions, for admins (each can be ended with POST /api/sessions/:id/revoke). */
export const GET = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/users/:id/sessions");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok || !(await userExists(db, id.data))) return apiError("user_not_found");
  const list = await listUserSessions(db, id.data, auth.session.sessionId);
  return respond(sessionsResponse, { sessions: list.map(sessionJson) });
});
