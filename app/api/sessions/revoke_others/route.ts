import { getDb } from "@/db";
import { audit } from "@/lib/audit";
import { requireUser } from "@/lib/auth/guard";
import { revokeOtherSessions } from "@/lib/auth/session";
import { checkOrigin, clientIp, json, route } from "@/lib/http";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireUser(db, request);
  if (!auth.ok) return auth.response;
  const revoked = await revokeOtherSessions(db, auth.session.user.id, auth.session.sessionId);
  await audit(db, { action: "user.sessions_revoked", actorUserId: auth.session.user.id, targetUserId: auth.session.user.id, ip: clientIp(request), details: { revoked } });
  return json({ revoked });
});
