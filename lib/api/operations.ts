import type { z } from "zod";
import { ACCESS, REAUTH, type GuardedRoute, type RouteKey } from "../authz";
import { errorStatus, type ErrorCode } from "../errors";
import { MAX_BODY_BYTES } from "../http";
import { MAX_BULK_BODY_BYTES } from "../invitations";
import * as s from "./schemas";

// What each API operation takes and answers, for the OpenAPI document (lib/api/openapi.ts). The
// schemas are the ones the route handlers parse and respond with (lib/api/schemas.ts); the error
// codes an operation can answer are derived from the shared machinery (lib/authz.ts ACCESS and
// REAUTH, CSRF, body reading, rate limits, lib/http.ts route()) plus each operation's own `errors`.
// lib/api/openapi.test.ts fails when a route file and this table disagree, and every response the
// route tests see is checked against the document (lib/api/testing/recorder.ts).

export type HeaderName = "Set-Cookie" | "Retry-After" | "Referrer-Policy" | "Content-Disposition";

export type Answer = {
  status: number;
  description: string;
  /** The JSON body's schema; none: no body (204). */
  schema?: z.ZodType;
  /** A CSV download instead of JSON. */
  csv?: true;
  headers?: HeaderName[];
};

export type Operation = {
  summary: string;
  description?: string;
  tag: "auth" | "onboarding" | "me" | "sessions" | "invitations" | "users" | "audit" | "health" | "meta";
  /** Query parameters: an object schema, one parameter per key (its input form). */
  query?: z.ZodObject;
  /** The JSON request body (its input form). */
  body?: z.ZodType;
  /** The body may be left out altogether (no body and no Content-Type). */
  bodyOptional?: true;
  /** The body cap, when not MAX_BODY_BYTES. */
  maxBodyBytes?: number;
  /** The `{id}` path segment: what it names, and the 404 code a malformed or unknown id gets. */
  id?: { names: string; notFound: ErrorCode };
  /** Successful answers, and any other answer whose body is not an error (GET /api/health's 503). */
  answers: Answer[];
  /** Error codes beyond the derived ones (see errorCodes). */
  errors?: ErrorCode[];
  /** A rate limit can answer 429 rate_limited (with Retry-After). */
  rateLimited?: true;
  /** Hashes or compares a password: 503 server_busy when the hashing queue is full. */
  hashing?: true;
  /** POST /api/onboarding/claim_token: the onboarding JWT as `Authorization: Bearer`. */
  bearer?: true;
  /** Not wrapped in lib/http.ts route() (no 500/503 error bodies of its own). */
  unwrapped?: true;
  /** Reads no database: no 503 service_unavailable. */
  noDatabase?: true;
};

const SESSION_COOKIE = "Set-Cookie";

export const OPERATIONS = {
  "POST /api/auth/login": {
    tag: "auth",
    summary: "Sign in",
    description:
      "Signs in with an email and password. The same answer (401 invalid_credentials) and the same bcrypt work for an unknown address, a wrong password, an unclaimed or a disabled account. Sets the session cookie, and a device cookie the first time this browser signs in to this account (the login rate limits count per device).",
    body: s.loginBody,
    answers: [{ status: 200, description: "Signed in: the user, and the session cookie.", schema: s.loginResponse, headers: [SESSION_COOKIE] }],
    errors: ["invalid_credentials"],
    rateLimited: true,
    hashing: true,
  },
  "POST /api/auth/logout": {
    tag: "auth",
    summary: "Sign out",
    description: "Revokes the session named by the cookie (if any) and clears the cookie. Anyone may call it.",
    answers: [{ status: 204, description: "Signed out; the session cookie is cleared.", headers: [SESSION_COOKIE] }],
  },
  "POST /api/auth/forgot": {
    tag: "auth",
    summary: "Ask for a password-reset link",
    description:
      "The same 202 body and the same work for any well-formed address, whether or not an account uses it; a reset link is mailed out of band. 404 email_disabled while email is off.",
    body: s.forgotBody,
    answers: [{ status: 202, description: "Accepted (says nothing about whether an account exists).", schema: s.forgotResponse }],
    errors: ["email_disabled"],
    rateLimited: true,
  },
  "POST /api/auth/reauth": {
    tag: "auth",
    summary: "Confirm the password (re-authenticate)",
    description:
      "Proves the signed-in user's password; the session then counts as recent for the routes that need it (403 reauth_required otherwise). A wrong password is 401 invalid_credentials and counts in the login rate limits of the account.",
    body: s.reauthBody,
    answers: [{ status: 204, description: "Confirmed: same session, same cookie." }],
    errors: ["invalid_credentials"],
    rateLimited: true,
    hashing: true,
  },
  "GET /api/health": {
    tag: "health",
    summary: "Health check",
    description: "200 when a trivial query answers within 2 s, else 503. Never rate limited; reads no session; no user data.",
    answers: [
      { status: 200, description: "The database answers.", schema: s.healthOk },
      { status: 503, description: "The database did not answer within 2 s (with Retry-After: 2).", schema: s.healthUnreachable, headers: ["Retry-After"] },
    ],
    unwrapped: true,
  },
  "GET /api/onboarding/get_token": {
    tag: "onboarding",
    summary: "Open an invitation or reset link",
    description:
      "Exchanges the link's secret (the `token` query parameter of the link) for a short-lived onboarding JWT, to send as a bearer token to POST /api/onboarding/claim_token. Writes nothing. Answers carry Referrer-Policy: no-referrer.",
    query: s.getTokenQuery,
    answers: [{ status: 200, description: "The link is valid.", schema: s.getTokenResponse, headers: ["Referrer-Policy"] }],
    errors: ["invitation_not_found", "invitation_already_used", "invitation_revoked", "invitation_expired"],
    rateLimited: true,
  },
  "POST /api/onboarding/claim_token": {
    tag: "onboarding",
    summary: "Claim an invitation or reset link: set the password",
    description:
      "Needs the onboarding JWT from GET /api/onboarding/get_token as `Authorization: Bearer`, and the same link secret in the body. Sets the password (the policy: at least 12 characters, at most 256, zxcvbn score 3), signs in and sets the session cookie (and the device cookie).",
    body: s.claimBody,
    answers: [{ status: 200, description: "Claimed and signed in.", schema: s.loginResponse, headers: [SESSION_COOKIE] }],
    errors: [
      "weak_password",
      "invalid_onboarding_token",
      "onboarding_token_mismatch",
      "invitation_not_found",
      "invitation_already_used",
      "invitation_revoked",
      "invitation_expired",
    ],
    rateLimited: true,
    hashing: true,
    bearer: true,
  },
  "GET /api/me": {
    tag: "me",
    summary: "The signed-in user and session",
    answers: [{ status: 200, description: "The user and this session.", schema: s.meResponse }],
  },
  "POST /api/me/password": {
    tag: "me",
    summary: "Change your password",
    description:
      "Every session of the user is revoked, this one too, and a new session cookie is set. 401 invalid_credentials for a wrong current password, or when the password changed or the user was disabled meanwhile.",
    body: s.passwordChangeBody,
    answers: [{ status: 204, description: "Changed; a new session cookie.", headers: [SESSION_COOKIE] }],
    errors: ["invalid_credentials", "weak_password"],
    rateLimited: true,
    hashing: true,
  },
  "GET /api/sessions": {
    tag: "sessions",
    summary: "Your live sessions",
    description: "Most recently used first; the one in use is marked `current`.",
    answers: [{ status: 200, description: "The sessions.", schema: s.sessionsResponse }],
  },
  "POST /api/sessions/revoke_others": {
    tag: "sessions",
    summary: "Sign out everywhere else",
    answers: [{ status: 200, description: "How many other sessions ended.", schema: s.revokeOthersResponse }],
  },
  "POST /api/sessions/{id}/revoke": {
    tag: "sessions",
    summary: "End one session",
    description: "Your own session, or anyone's for an admin; any other id is 404 session_not_found, as an unknown one. Ending the session in use clears its cookie.",
    id: { names: "a session", notFound: "session_not_found" },
    answers: [{ status: 204, description: "Ended (the cookie is cleared when it was this session).", headers: [SESSION_COOKIE] }],
  },
  "GET /api/invitations": {
    tag: "invitations",
    summary: "List invitations",
    description:
      "Newest first, keyset-paged (`next_cursor`). Unknown parameters are ignored; a bad value or a cursor of another list is 400 invalid_request. `q` matches part of the canonical address, `%` `_` `\\` literally.",
    query: s.invitationListQuery,
    answers: [{ status: 200, description: "One page.", schema: s.invitationListResponse }],
  },
  "POST /api/invitations": {
    tag: "invitations",
    summary: "Invite someone",
    description:
      "Inviting someone as admin needs a recent password (403 reauth_required otherwise). 409 invitation_pending when the address has a live pending link, unless `replace: true`, which revokes it. Lifetime 1 s to 30 days, default 7 days. The address must have the shape name@domain (a refinement JSON Schema cannot express), and is then checked for invisible characters and mixed scripts (400 invalid_email) and against the allowed domains (400 domain_not_allowed).",
    body: s.createInvitationBody,
    answers: [{ status: 201, description: "Invited: the link, shown once.", schema: s.createdInvitationResponse }],
    errors: ["invalid_email", "domain_not_allowed", "user_exists", "invitation_pending", "reauth_required"],
    rateLimited: true,
  },
  "POST /api/invitations/bulk": {
    tag: "invitations",
    summary: "Invite many addresses",
    description:
      "One result per line, in order; each line is its own transaction, and a line that cannot be invited says why in its `outcome` (the per-admin invitation limit included: `rate_limited`), so the request itself succeeds. Bodies up to 160 kB.",
    body: s.bulkInvitationBody,
    maxBodyBytes: MAX_BULK_BODY_BYTES,
    answers: [{ status: 200, description: "One result per address.", schema: s.bulkInvitationResponse }],
  },
  "POST /api/invitations/{id}/revoke": {
    tag: "invitations",
    summary: "Revoke a pending link",
    id: { names: "an invitation", notFound: "invitation_not_found" },
    answers: [{ status: 200, description: "Revoked.", schema: s.revokeInvitationResponse }],
    errors: ["invitation_not_pending"],
  },
  "POST /api/invitations/{id}/reissue": {
    tag: "invitations",
    summary: "Re-issue a link",
    description:
      "A fresh link of the same kind for the same person; the old one is revoked. A reset link is re-issued with the checks of POST /api/users/{id}/reset. Re-issuing an admin's invitation or a reset needs a recent password (403 reauth_required).",
    id: { names: "an invitation", notFound: "invitation_not_found" },
    answers: [{ status: 201, description: "The new link.", schema: s.reissuedInvitationResponse }],
    errors: [
      "reauth_required",
      "invalid_email",
      "domain_not_allowed",
      "user_exists",
      "invitation_pending",
      "user_not_found",
      "cannot_change_self",
      "user_disabled",
      "user_pending",
    ],
    rateLimited: true,
  },
  "GET /api/users": {
    tag: "users",
    summary: "List users",
    description: "Newest first, keyset-paged (`next_cursor`). Every parameter at most once; an unknown or repeated one is 400 invalid_request. An empty value means the parameter is absent.",
    query: s.userListQuery,
    answers: [{ status: 200, description: "One page.", schema: s.userListResponse }],
  },
  "PATCH /api/users/{id}": {
    tag: "users",
    summary: "Change a user's role, or disable or enable them",
    description:
      "The body needs `role` or `disabled` (or both): a refinement JSON Schema expresses here only as minProperties: 1. Nobody changes their own account (409 cannot_change_self); a disabled user's role cannot change (409 user_disabled; `{disabled: false, role}` enables, then changes the role); an admin demoted or disabled while the request was in flight gets 403 forbidden. Disabling revokes the user's sessions and live links.",
    id: { names: "a user", notFound: "user_not_found" },
    body: s.userPatchBody,
    answers: [{ status: 200, description: "The user as it is now.", schema: s.userPatchResponse }],
    errors: ["cannot_change_self", "user_disabled"],
  },
  "DELETE /api/users/{id}": {
    tag: "users",
    summary: "Delete a user who never set a password",
    description: "Their invitations go too. A user with a password is disabled instead (409 user_active).",
    id: { names: "a user", notFound: "user_not_found" },
    answers: [{ status: 204, description: "Deleted." }],
    errors: ["user_active", "cannot_change_self"],
  },
  "POST /api/users/{id}/reset": {
    tag: "users",
    summary: "Issue a password-reset link for a user",
    description:
      "Only for a user with a password who is not disabled. The body is optional (no body and no Content-Type: the defaults); lifetime 1 s to 7 days, default 24 h. With email on, the link is mailed to the user only (`url: null`). Counts against the per-admin invitation limit.",
    id: { names: "a user", notFound: "user_not_found" },
    body: s.resetBody,
    bodyOptional: true,
    answers: [{ status: 201, description: "The reset link.", schema: s.resetResponse }],
    errors: ["user_pending", "user_disabled", "cannot_change_self"],
    rateLimited: true,
  },
  "GET /api/users/{id}/sessions": {
    tag: "users",
    summary: "A user's live sessions",
    id: { names: "a user", notFound: "user_not_found" },
    answers: [{ status: 200, description: "The sessions (each can be ended with POST /api/sessions/{id}/revoke).", schema: s.sessionsResponse }],
  },
  "GET /api/audit": {
    tag: "audit",
    summary: "The audit trail",
    description: "Newest first, keyset-paged (`next_cursor`). An unknown, repeated or bad parameter is 400 invalid_request.",
    query: s.auditListQuery,
    answers: [{ status: 200, description: "One page.", schema: s.auditListResponse }],
  },
  "GET /api/audit/export": {
    tag: "audit",
    summary: "Export the audit trail as CSV",
    description:
      "Every matching event, streamed as an attachment; columns created_at, action, actor_email, actor_id, target_email, target_id, invitation_id, ip, user_agent, details (JSON). Cells starting with = + - @ tab or CR get a leading '. The export is itself recorded. An unknown, repeated or bad parameter is 400 invalid_request.",
    query: s.auditExportQuery,
    answers: [{ status: 200, description: "The CSV file.", csv: true, headers: ["Content-Disposition"] }],
  },
  "GET /api/openapi.json": {
    tag: "meta",
    summary: "This document",
    answers: [{ status: 200, description: "The OpenAPI 3.1 document of this API.", schema: s.openApiResponse }],
    noDatabase: true,
  },
} satisfies Record<string, Operation>;

export type OperationKey = keyof typeof OPERATIONS;

/** "POST /api/users/{id}" → "POST /api/users/:id", the key lib/authz.ts uses. */
export function routeKeyOf(key: OperationKey): RouteKey {
  return key.replace(/\{([^}]+)\}/g, ":$1") as RouteKey;
}

export function operation(key: OperationKey): Operation {
  return OPERATIONS[key];
}

/** Every error code the operation can answer, in a fixed order (by status, then as listed). */
export function errorCodes(key: OperationKey): ErrorCode[] {
  const op: Operation = OPERATIONS[key];
  const routeKey = routeKeyOf(key);
  const method = key.split(" ")[0];
  const access = ACCESS[routeKey];
  const codes = new Set<ErrorCode>();
  if (op.body || op.query || op.id) codes.add("invalid_request"); // an id: a malformed percent-encoding (scripts/server.mjs)
  if (access !== "anonymous") codes.add("unauthorized");
  if (access === "admin") codes.add("forbidden");
  if (REAUTH.has(routeKey as GuardedRoute)) codes.add("reauth_required");
  if (method !== "GET") codes.add("csrf_rejected");
  if (op.id) codes.add(op.id.notFound);
  if (op.body) {
    codes.add("payload_too_large");
    codes.add("unsupported_media_type");
  }
  if (op.rateLimited) codes.add("rate_limited");
  for (const code of op.errors ?? []) codes.add(code);
  if (!op.unwrapped) {
    codes.add("internal_error");
    if (!op.noDatabase) codes.add("service_unavailable");
    if (op.hashing) codes.add("server_busy");
  }
  return [...codes].sort((a, b) => errorStatus(a) - errorStatus(b));
}

/** errorCodes grouped by status. */
export function errorsByStatus(key: OperationKey): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(key)) {
    const status = errorStatus(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return byStatus;
}

export function bodyCap(op: Operation): number {
  return op.maxBodyBytes ?? MAX_BODY_BYTES;
}
