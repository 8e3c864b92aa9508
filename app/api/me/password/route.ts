import { getDb } from "@/db";
import { passwordChangeBody } from "@/lib/api/schemas";
import { changePassword } from "@/lib/auth/password-change";
import { sessionCookie } from "@/lib/auth/session";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, noContent, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { hit, LIMITS } from "@/lib/rate-limit";

/** POST /api/me/password {current_password, new_password} → 204 and a fresh session cookie. */
export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/me/password");
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, passwordChangeBody);
  if (!parsed.ok) return parsed.response;

  const meta = requestMeta(request);
  const userId = auth.session.user.id;
  // Counted before the bcrypt work, like login (per IP and user: a stranger cannot spend it).
  const limit = await hit(db, LIMITS.passwordChangePerIpUser, `${meta.ip}|${userId}`);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await changePassword(db, {
    userId,
    currentPassword: parsed.data.current_password,
    newPassword: parsed.data.new_password,
    ...meta,
  });
  if (!result.ok) {
    // The policy's own sentence names the rule (the same words as onboarding).
    if (result.reason === "weak_password") return apiError("weak_password", result.message);
    return apiError("invalid_credentials", tr(result.changedMeanwhile ? "api.password_changed_meanwhile" : "api.current_password_wrong"));
  }
  return noContent({ "Set-Cookie": sessionCookie(result.session.token, result.session.expiresAt) });
});
