import { getDb } from "@/db";
import { audit } from "@/lib/audit";
import { clearedSessionCookie, revokeSessionToken, sessionTokenFromCookieHeader, validateSessionToken } from "@/lib/auth/session";
import { checkOrigin, clientIp, noContent, route } from "@/lib/http";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const token = sessionTokenFromCookieHeader(request.headers.get("cookie"));
  if (token) {
    const db = await getDb();
    const session = await validateSessionToken(db, token);
    await revokeSessionToken(db, token);
    if (session) await audit(db, { action: "user.logout", actorUserId: session.user.id, targetUserId: session.user.id, ip: clientIp(request) });
  }
  return noContent({ "Set-Cookie": clearedSessionCookie() });
});
