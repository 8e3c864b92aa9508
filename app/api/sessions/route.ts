import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { sessionsResponse } from "@/lib/api/schemas";
import { listUserSessions, sessionJson } from "@/lib/auth/session";
import { requireAccess } from "@/lib/authz";
import { route } from "@/lib/http";

/** The signed-in user's live sessions, this one marked `current`. */
export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/sessions");
  if (!auth.ok) return auth.response;
  const list = await listUserSessions(db, auth.session.user.id, auth.session.sessionId);
  return respond(sessionsResponse, { sessions: list.map(sessionJson) });
});
