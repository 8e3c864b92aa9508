// Every API route and the methods its route.ts exports, for scripts/server.mjs, which answers what
// Next would not answer as JSON: a method the route does not implement (Next: 405 with an empty body;
// TRACE: a plain-text 500), an unknown /api path (Next: its HTML 404 page). Plain .mjs so the server
// (Node, no bundler) can import it. lib/api-routes.test.ts checks it against lib/authz.ts ACCESS,
// which app/api/authz.test.ts checks against the route files.

/** @type {Record<string, string[]>} */
export const API_ROUTES = {
  "/api/audit": ["GET"],
  "/api/audit/export": ["GET"],
  "/api/auth/forgot": ["POST"],
  "/api/auth/login": ["POST"],
  "/api/auth/logout": ["POST"],
  "/api/auth/reauth": ["POST"],
  "/api/health": ["GET"],
  "/api/invitations": ["GET", "POST"],
  "/api/invitations/:id/reissue": ["POST"],
  "/api/invitations/:id/revoke": ["POST"],
  "/api/invitations/bulk": ["POST"],
  "/api/me": ["GET"],
  "/api/me/password": ["POST"],
  "/api/onboarding/claim_token": ["POST"],
  "/api/onboarding/get_token": ["GET"],
  "/api/openapi.json": ["GET"],
  "/api/sessions": ["GET"],
  "/api/sessions/:id/revoke": ["POST"],
  "/api/sessions/revoke_others": ["POST"],
  "/api/users": ["GET"],
  "/api/users/:id": ["DELETE", "PATCH"],
  "/api/users/:id/reset": ["POST"],
  "/api/users/:id/sessions": ["GET"],
};

const PATTERNS = Object.entries(API_ROUTES).map(([pattern, methods]) => ({ pattern, segments: pattern.split("/"), methods }));

/**
 * The API route a path belongs to: its pattern (a key of API_ROUTES) and its `:param` values, still
 * percent-encoded as they arrived, or null when no route has this path. A static segment wins over a
 * `:param` (`/api/sessions/revoke_others` is not a session id).
 *
 * @param {string} pathname a path without its query string
 * @returns {{ pattern: string, methods: string[], params: Record<string, string> } | null}
 */
export function matchApiRoute(pathname) {
  const parts = pathname.split("/");
  let best = null;
  let bestStatic = -1;
  for (const { pattern, segments, methods } of PATTERNS) {
    if (segments.length !== parts.length) continue;
    let statics = 0;
    let match = true;
    for (let i = 0; i < segments.length && match; i++) {
      if (segments[i].startsWith(":")) match = parts[i] !== "";
      else if (segments[i] === parts[i]) statics++;
      else match = false;
    }
    if (match && statics > bestStatic) {
      best = { pattern, segments, methods };
      bestStatic = statics;
    }
  }
  if (!best) return null;
  /** @type {Record<string, string>} */
  const params = {};
  best.segments.forEach((segment, i) => {
    if (segment.startsWith(":")) params[segment.slice(1)] = parts[i];
  });
  return { pattern: best.pattern, methods: best.methods, params };
}

/**
 * The methods a request may use on this API path, as an Allow header lists them (Next answers HEAD
 * for a GET route, and OPTIONS for every route), or null when no route has this path.
 *
 * @param {string} pathname a decoded-safe path without its query string
 * @returns {string[] | null}
 */
export function allowedMethods(pathname) {
  const route = matchApiRoute(pathname);
  return route ? withImpliedMethods(route.methods) : null;
}

/**
 * A route's methods with the ones Next implies: HEAD for a GET route, OPTIONS for every route.
 * @param {string[]} methods
 * @returns {string[]}
 */
export function withImpliedMethods(methods) {
  return [...methods, ...(methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"];
}
