import { getDb } from "@/db";
import { reauthBody } from "@/lib/api/schemas";
import { reauthenticate } from "@/lib/auth/reauth";
import { requireAccess } from "@/lib/authz";
import { canonicalEmail } from "@/lib/email";
import { apiError, checkOrigin, noContent, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { hitPasswordLimits } from "@/lib/rate-limit";

/**
 * Confirms the signed-in user's password; the session they are using then counts as recent for
 * REAUTH_MAX_AGE_SECONDS (lib/auth/reauth.ts). 204, same session and cookie. A wrong password is
 * 401 invalid_credentials after one bcrypt comparison, and counts in the same rate limits as a
 * login attempt for this account from this browser (so a stolen session cookie buys no extra guesses).
 */
export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/auth/reauth");
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, reauthBody);
  if (!parsed.ok) return parsed.response;

  const meta = requestMeta(request);
  const account = canonicalEmail(auth.session.user.email);
  const { limit } = await hitPasswordLimits(db, { cookies: request.headers.get("cookie"), account, ip: meta.ip });
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await reauthenticate(db, { sessionId: auth.session.sessionId, userId: auth.session.user.id, password: parsed.data.password, ...meta });
  if (!result.ok) return apiError(result.reason, tr("api.reauth_wrong_password"));
  return noContent();
});
