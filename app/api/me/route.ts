import { getDb } from "@/db";
import { requireAccess } from "@/lib/authz";
import { json, route } from "@/lib/http";

export const GET = route(async (request) => {
  const auth = await requireAccess(await getDb(), request, "GET /api/me");
  if (!auth.ok) return auth.response;
  // `session.fresh`: whether actions that need a recent password (lib/authz.ts REAUTH) would run now.
  return json({ user: auth.session.user, session: { id: auth.session.sessionId, fresh: auth.session.fresh, expires_at: auth.session.expiresAt.toISOString() } });
});
