import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { listUserSessions } from "@/lib/auth/session";
import { json, route } from "@/lib/http";

export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireUser(db, request);
  if (!auth.ok) return auth.response;
  const list = await listUserSessions(db, auth.session.user.id, auth.session.sessionId);
  return json({
    sessions: list.map((s) => ({ id: s.id, created_at: s.createdAt.toISOString(), expires_at: s.expiresAt.toISOString(), current: s.current })),
  });
});
