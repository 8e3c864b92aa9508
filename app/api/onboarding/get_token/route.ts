import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { getTokenQuery, getTokenResponse } from "@/lib/api/schemas";
import { sha256Hex } from "@/lib/auth/tokens";
import { apiError, clientIp, parseWith, rateLimited, route } from "@/lib/http";
import { issueOnboardingToken } from "@/lib/onboarding";
import { hitAll, LIMITS } from "@/lib/rate-limit";

// The link secret arrives in the query string: this response must never be cached or leak a Referer.
const PRIVATE = { "Referrer-Policy": "no-referrer" };

export const GET = route(async (request) => {
  const params = new URL(request.url).searchParams;
  const parsed = parseWith(getTokenQuery, { token: params.get("token") ?? undefined });
  if (!parsed.ok) return parsed.response;

  const db = await getDb();
  const limit = await hitAll(db, [
    [LIMITS.getTokenPerIp, clientIp(request)],
    [LIMITS.getTokenPerLink, sha256Hex(parsed.data.token)],
  ]);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await issueOnboardingToken(db, parsed.data.token);
  if (!result.ok) return apiError(result.reason, undefined, PRIVATE);
  return respond(
    getTokenResponse,
    { onboarding_token: result.onboardingToken, email: result.email, kind: result.kind, expires_at: result.expiresAt.toISOString() },
    200,
    PRIVATE,
  );
});
