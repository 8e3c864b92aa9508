import type { DB } from "../../db";
import { apiError } from "../http";
import { sessionTokenFromCookieHeader, validateSessionToken, type ValidSession } from "./session";

export type Guarded = { ok: true; session: ValidSession } | { ok: false; response: Response };

/**
 * The signed-in user of a request, or the response to send instead, in this order: 401 (no live
 * session) → 403 forbidden (`admin` and not an admin) → 403 reauth_required (`fresh` and the password
 * was not proven on this session within REAUTH_MAX_AGE_SECONDS). Body checks (400) come after.
 */
export async function requireUser(db: DB, request: Request, opts: { admin?: boolean; fresh?: boolean } = {}): Promise<Guarded> {
  const token = sessionTokenFromCookieHeader(request.headers.get("cookie"));
  const session = await validateSessionToken(db, token);
  if (!session) return { ok: false, response: apiError("unauthorized") };
  if (opts.admin && session.user.role !== "admin") return { ok: false, response: apiError("forbidden") };
  if (opts.fresh && !session.fresh) return { ok: false, response: apiError("reauth_required") };
  return { ok: true, session };
}
