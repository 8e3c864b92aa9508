import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { meResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { route } from "@/lib/http";

export const GET = route(async (request) => {
  const auth = await requireAccess(await getDb(), request, "GET /api/me");
  if (!auth.ok) return auth.response;
  // `session.fresh`: whether actions that need a recent password (lib/authz.ts REAUTH) would run now.
  return respond(meResponse, { user: auth.session.user, session: { id: auth.session.sessionId, fresh: auth.session.fresh, expires_at: auth.session.expiresAt.toISOString() } });
});
