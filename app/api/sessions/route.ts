import { getDb } from "@/db";
import { listUserSessions, sessionJson } from "@/lib/auth/session";
import { requireAccess } from "@/lib/authz";
import { json, route } from "@/lib/http";

/** The signed-in user's live sessions, this one marked `current`. */
export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/sessions");
  if (!auth.ok) return auth.response;
  const list = await listUserSessions(db, auth.session.user.id, auth.session.sessionId);
  return json({ sessions: list.map(sessionJson) });
});
