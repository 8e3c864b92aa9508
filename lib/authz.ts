import type { DB } from "../db";
import { requireUser, type Guarded } from "./auth/guard";

// Who may call each API route, in one table. "anonymous": anyone (the route may still want a link
// secret or a body); "member": any signed-in user; "admin": signed-in admins only. A disabled user's
// cookie and a revoked or expired session's cookie are anonymous (lib/auth/session.ts
// validateSessionToken), so they get 401 wherever "member" or "admin" is required.
//
// app/api/authz.test.ts walks every route.ts under app/api and fails when a file exports a method
// that has no row here, then calls every route as each kind of caller and checks the exact status:
// a route added without a row fails the test suite. Keys are "METHOD /api/path", with a dynamic
// segment written `:name` (the folder `[id]` is `:id`).

export type Access = "anonymous" | "member" | "admin";

export const ACCESS = {
  "POST /api/auth/login": "anonymous",
  "POST /api/auth/logout": "anonymous",
  "POST /api/auth/forgot": "anonymous",
  "GET /api/health": "anonymous",
  "GET /api/onboarding/get_token": "anonymous",
  "POST /api/onboarding/claim_token": "anonymous",
  "GET /api/openapi.json": "anonymous",

  "GET /api/me": "member",
  "GET /api/sessions": "member",
  "POST /api/sessions/revoke_others": "member",
  "POST /api/me/password": "member",
  "POST /api/auth/reauth": "member",
  "POST /api/sessions/:id/revoke": "member",

  "GET /api/invitations": "admin",
  "POST /api/invitations": "admin",
  "POST /api/invitations/bulk": "admin",
  "POST /api/invitations/:id/revoke": "admin",
  "POST /api/invitations/:id/reissue": "admin",
  "GET /api/users": "admin",
  "PATCH /api/users/:id": "admin",
  "DELETE /api/users/:id": "admin",
  "POST /api/users/:id/reset": "admin",
  "GET /api/users/:id/sessions": "admin",
  "GET /api/audit": "admin",
  "GET /api/audit/export": "admin",
} as const satisfies Record<string, Access>;

export type RouteKey = keyof typeof ACCESS;
/** The routes that need a session. */
export type GuardedRoute = { [K in RouteKey]: (typeof ACCESS)[K] extends "anonymous" ? never : K }[RouteKey];

/**
 * Routes that also need the password proven on this session within REAUTH_MAX_AGE_SECONDS (else 403
 * reauth_required, after 401 and 403 forbidden, before any 400). Two routes need it only for some
 * requests, which their handlers check once they know: POST /api/invitations inviting someone as
 * admin, and POST /api/invitations/:id/reissue of a reset link or of an admin's invitation.
 * app/api/authz.test.ts calls each one with a stale session ("stale" caller); the conditional ones are
 * covered in app/api/auth/reauth/route.test.ts.
 */
export const REAUTH: ReadonlySet<GuardedRoute> = new Set<GuardedRoute>([
  "PATCH /api/users/:id",
  "DELETE /api/users/:id",
  "POST /api/users/:id/reset",
  "POST /api/invitations/bulk",
  "GET /api/audit/export",
]);

export function accessOf(key: string): Access | undefined {
  return (ACCESS as Record<string, Access>)[key];
}

/** The signed-in user the tables require for `key`, or the 401/403 response to send instead. */
export function requireAccess(db: DB, request: Request, key: GuardedRoute): Promise<Guarded> {
  return requireUser(db, request, { admin: ACCESS[key] === "admin", fresh: REAUTH.has(key) });
}
