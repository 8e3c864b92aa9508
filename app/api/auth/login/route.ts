import { z } from "zod";
import { getDb } from "@/db";
import { login } from "@/lib/auth/login";
import { lookupEmail } from "@/lib/email";
import { sessionCookie, sessionTokenFromCookieHeader } from "@/lib/auth/session";
import { apiError, checkOrigin, clientIp, json, rateLimited, readJson, route } from "@/lib/http";
import { hitAll, LIMITS } from "@/lib/rate-limit";

const bodySchema = z.object({
  email: z.string().trim().min(1, "Enter your email.").max(254),
  password: z.string().min(1, "Enter your password.").max(4096),
});

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const parsed = await readJson(request, bodySchema);
  if (!parsed.ok) return parsed.response;
  const { email, password } = parsed.data;

  const db = await getDb();
  const ip = clientIp(request);
  const limit = await hitAll(db, [
    [LIMITS.loginPerIp, ip],
    [LIMITS.loginPerIpEmail, `${ip}|${lookupEmail(email) ?? email}`],
  ]);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await login(db, {
    email,
    password,
    currentSessionToken: sessionTokenFromCookieHeader(request.headers.get("cookie")),
    ip,
  });
  if (!result.ok) return apiError(result.reason);
  return json({ user: result.user }, 200, { "Set-Cookie": sessionCookie(result.session.token, result.session.expiresAt) });
});
