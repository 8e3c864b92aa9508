import { getDb } from "@/db";
import { logout } from "@/lib/auth/login";
import { clearedSessionCookie, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { checkOrigin, noContent, requestMeta, route } from "@/lib/http";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const token = sessionTokenFromCookieHeader(request.headers.get("cookie"));
  if (token) await logout(await getDb(), token, requestMeta(request));
  return noContent({ "Set-Cookie": clearedSessionCookie() });
});
