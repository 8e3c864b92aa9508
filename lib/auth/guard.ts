import type { DB } from "../../db";
import { apiError } from "../http";
import { sessionTokenFromCookieHeader, validateSessionToken, type ValidSession } from "./session";

export type Guarded = { ok: true; session: ValidSession } | { ok: false; response: Response };

/** The signed-in user of a request, or the 401/403 response to send instead. */
export async function requireUser(db: DB, request: Request, opts: { admin?: boolean } = {}): Promise<Guarded> {
  const token = sessionTokenFromCookieHeader(request.headers.get("cookie"));
  const session = await validateSessionToken(db, token);
  if (!session) return { ok: false, response: apiError("unauthorized") };
  if (opts.admin && session.user.role !== "admin") return { ok: false, response: apiError("forbidden") };
  return { ok: true, session };
}
