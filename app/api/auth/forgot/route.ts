import { getDb } from "@/db";
import { forgotBody, forgotResponse } from "@/lib/api/schemas";
import { respond } from "@/lib/api/respond";
import { canonicalEmail } from "@/lib/email";
import { mailEnabled } from "@/lib/env";
import { requestPasswordReset } from "@/lib/forgot-password";
import { apiError, checkOrigin, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { hit, LIMITS } from "@/lib/rate-limit";

/**
 * Forgot password (lib/forgot-password.ts): records the request and answers 202, the same work and
 * body for any address; the sender loop decides out of band. 404 email_disabled while email is off.
 */
export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  if (!mailEnabled()) return apiError("email_disabled");
  const parsed = await readJson(request, forgotBody);
  if (!parsed.ok) return parsed.response;
  const db = await getDb();
  const { ip } = requestMeta(request);
  const perIp = await hit(db, LIMITS.forgotPerIp, ip);
  if (!perIp.ok) return rateLimited(perIp.retryAfterSeconds);
  // Past the address's limit the request is accepted and dropped: a stranger cannot fill the queue.
  const perAddress = await hit(db, LIMITS.forgotPerAddress, canonicalEmail(parsed.data.email));
  if (perAddress.ok) await requestPasswordReset(db, { email: parsed.data.email, ip });
  // One body for every address: the answer says nothing about whether an account exists.
  return respond(forgotResponse, { status: "accepted", message: tr("api.forgot_accepted") }, 202);
});
