import { getDb } from "@/db";
import { loginBody, loginResponse } from "@/lib/api/schemas";
import { respond } from "@/lib/api/respond";
import { deviceCookie } from "@/lib/auth/device";
import { login } from "@/lib/auth/login";
import { lookupEmail } from "@/lib/email";
import { sessionCookie, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { apiError, checkOrigin, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { hitPasswordLimits } from "@/lib/rate-limit";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const parsed = await readJson(request, loginBody);
  if (!parsed.ok) return parsed.response;
  const { email, password } = parsed.data;

  const db = await getDb();
  const meta = requestMeta(request);
  const ip = meta.ip;
  const cookies = request.headers.get("cookie");
  const account = lookupEmail(email) ?? email;
  // A browser that signed in to this account before is limited on its own, not with everyone
  // behind its IP (lib/auth/device.ts).
  const { limit, device } = await hitPasswordLimits(db, { cookies, account, ip });
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await login(db, { email, password, currentSessionToken: sessionTokenFromCookieHeader(cookies), ...meta });
  if (!result.ok) return apiError(result.reason);
  const setCookies: [string, string][] = [["Set-Cookie", sessionCookie(result.session.token, result.session.expiresAt)]];
  if (!device) setCookies.push(["Set-Cookie", deviceCookie(account)]);
  return respond(loginResponse, { user: result.user }, 200, setCookies);
});
