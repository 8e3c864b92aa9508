import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { claimBody, loginResponse } from "@/lib/api/schemas";
import { deviceCookie } from "@/lib/auth/device";
import { sessionCookie, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { sha256Hex } from "@/lib/auth/tokens";
import { apiError, checkOrigin, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { lookupEmail } from "@/lib/email";
import { claimInvitation } from "@/lib/onboarding";
import { hitAll, LIMITS } from "@/lib/rate-limit";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  // 1. body shape
  const parsed = await readJson(request, claimBody);
  if (!parsed.ok) return parsed.response;

  const db = await getDb();
  const meta = requestMeta(request);
  const limit = await hitAll(db, [
    [LIMITS.claimPerIp, meta.ip],
    [LIMITS.claimPerLink, sha256Hex(parsed.data.token)],
  ]);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  // 2–5 and the transaction: lib/onboarding.ts, claimInvitation.
  const result = await claimInvitation(db, {
    onboardingToken: bearerToken(request) ?? "",
    secret: parsed.data.token,
    password: parsed.data.password,
    currentSessionToken: sessionTokenFromCookieHeader(request.headers.get("cookie")),
    ...meta,
  });
  if (!result.ok) return apiError(result.reason, result.reason === "weak_password" ? result.message : undefined);
  // Signed in: this browser is now known for the account (lib/auth/device.ts).
  const account = lookupEmail(result.user.email);
  const setCookies: [string, string][] = [["Set-Cookie", sessionCookie(result.session.token, result.session.expiresAt)]];
  if (account) setCookies.push(["Set-Cookie", deviceCookie(account)]);
  return respond(loginResponse, { user: result.user }, 200, setCookies);
});

function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
