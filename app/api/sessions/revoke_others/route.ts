import { getDb } from "@/db";
import { requireAccess } from "@/lib/authz";
import { revokeOtherSessions } from "@/lib/auth/session";
import { checkOrigin, json, requestMeta, route } from "@/lib/http";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/sessions/revoke_others");
  if (!auth.ok) return auth.response;
  const revoked = await revokeOtherSessions(db, auth.session.user.id, auth.session.sessionId, requestMeta(request));
  return json({ revoked });
});
