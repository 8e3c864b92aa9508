// Checks scripts/server.mjs makes before a request reaches Next. Plain .mjs (Node 20 runs no
// TypeScript) with no side effects but reading the messages once, so vitest can import it
// (scripts/request-guards.test.ts).
import { readFileSync } from "node:fs";
import { BlockList, isIPv6 } from "node:net";
import { allowedMethods } from "../lib/api-routes.mjs";
import { chosenLocale, DEFAULT_LOCALE, isLocale, LOCALES, negotiateLocale } from "../lib/i18n/negotiate.mjs";

// ---- language ----
// The answers written here, before Next, speak the request's language like the API's own errors:
// the same messages (messages/<locale>/errors.json and api.json) and the same choice as
// lib/i18n/locales.ts pickLocale (the switcher's `locale` cookie, else Accept-Language, else
// English), from the one negotiation both import (lib/i18n/negotiate.mjs).

/** @param {string} locale @param {string} area */
function readMessages(locale, area) {
  return JSON.parse(readFileSync(new URL(`../messages/${locale}/${area}.json`, import.meta.url), "utf8"));
}

/** @type {Record<string, { errors: Record<string, string>, api: Record<string, unknown> }>} */
const MESSAGES = Object.fromEntries(LOCALES.map((l) => [l, { errors: readMessages(l, "errors"), api: readMessages(l, "api") }]));

/**
 * A request's language from its headers: the `locale` cookie (the last one wins), else
 * Accept-Language, else English.
 * @param {import("node:http").IncomingHttpHeaders | undefined} headers
 * @returns {string}
 */
export function requestLocale(headers) {
  const cookie = typeof headers?.cookie === "string" ? headers.cookie : "";
  const accept = headers?.["accept-language"];
  return chosenLocale(cookie) ?? negotiateLocale(Array.isArray(accept) ? accept.join(",") : accept) ?? DEFAULT_LOCALE;
}

/**
 * A message by key ("errors.not_found", "api.malformed_path") in `locale`, else in English.
 * @param {string} key @param {string} locale @returns {string}
 */
export function guardMessage(key, locale = DEFAULT_LOCALE) {
  const find = (/** @type {string} */ l) => key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), /** @type {any} */ (MESSAGES[l]));
  const found = find(isLocale(locale) ? locale : DEFAULT_LOCALE) ?? find(DEFAULT_LOCALE);
  return typeof found === "string" ? found : key;
}

// The security headers of every API answer (lib/security-headers.json): next.config.ts adds them to
// Next's responses, and the server to the answers it writes itself (these, and scripts/direct-api.mjs).
const SECURITY_HEADERS = JSON.parse(readFileSync(new URL("../lib/security-headers.json", import.meta.url), "utf8"));
/** @type {Record<string, string>} */
export const API_HEADERS = { ...SECURITY_HEADERS.every, ...SECURITY_HEADERS.api };
const ERROR_HEADERS = { "Content-Type": "application/json", ...API_HEADERS };

/** In English; sendMalformed answers it in the request's language (api.malformed_path). */
export const MALFORMED_PATH_MESSAGE = guardMessage("api.malformed_path");

/**
 * Why a request target cannot be routed, or null when it can. Next decodes path parameters with
 * decodeURIComponent and answers a URIError (`/api/users/%ZZ`, `%C3%28`) with a bare 500 text/plain;
 * anything other than an origin-form path (`*`, `http://other.host/…`) Next turns into a 500 or a
 * redirect to that host. The query string is left alone: the app reads it with URLSearchParams,
 * which tolerates bad escapes, so a bad query gets the route's own 4xx or a normal page.
 */
/** @param {string | undefined} url @returns {string | null} */
export function malformedTarget(url) {
  if (typeof url !== "string" || !url.startsWith("/")) return MALFORMED_PATH_MESSAGE;
  const queryAt = url.indexOf("?");
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  try {
    decodeURIComponent(pathname);
    return null;
  } catch {
    return MALFORMED_PATH_MESSAGE;
  }
}

/** Writes the 400 `invalid_request` JSON error (same shape and code as lib/errors.ts), in the request's language. */
export function sendMalformed(res, message) {
  if (message === MALFORMED_PATH_MESSAGE) sendError(res, { status: 400, code: "invalid_request", message, key: "api.malformed_path" });
  else sendError(res, { status: 400, code: "invalid_request", message });
}

const STANDARD_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * What the server answers itself, before Next, for a method or API path Next would answer badly: a
 * method the API route does not implement (Next: 405 with an empty body; TRACE and other methods
 * Next cannot build a Request for: a plain-text 500) → 405 `method_not_allowed` with `Allow`; an
 * unknown /api path (Next: its HTML 404 page) → 404 `not_found`; a page asked with a method outside
 * HTTP's usual ones (TRACE, CONNECT, PROPFIND…) → 405 with `Allow: GET, HEAD`. Null: Next serves it.
 * Codes and messages as lib/errors.ts has them, the message in the language of `headers` (English
 * without them); sendError answers in the language of the request it answers, whatever this said.
 *
 * @param {string | undefined} method
 * @param {string} url an origin-form target (malformedTarget passed)
 * @param {import("node:http").IncomingHttpHeaders} [headers]
 * @returns {{ status: number, code: string, message: string, key: string, allow?: string } | null}
 */
export function methodGuard(method, url, headers) {
  const m = (method ?? "").toUpperCase();
  const queryAt = url.indexOf("?");
  const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
  const error = (/** @type {number} */ status, /** @type {string} */ code, /** @type {string | undefined} */ allow) => {
    const key = `errors.${code}`;
    return { status, code, message: guardMessage(key, requestLocale(headers)), key, ...(allow && { allow }) };
  };
  if (pathname === "/api" || pathname.startsWith("/api/")) {
    const allowed = allowedMethods(pathname);
    if (!allowed) return error(404, "not_found");
    if (allowed.includes(m)) return null;
    return error(405, "method_not_allowed", allowed.join(", "));
  }
  if (STANDARD_METHODS.has(m)) return null;
  return error(405, "method_not_allowed", "GET, HEAD");
}

/**
 * Writes a JSON error with the API's security headers (and `Allow`, for a 405). With a message `key`,
 * the message is in the language of the request being answered (`res.req`: its cookie, else its
 * Accept-Language); without one, `message` as given.
 * @param {import("node:http").ServerResponse} res
 * @param {{ status: number, code: string, message: string, key?: string, allow?: string }} error
 */
export function sendError(res, { status, code, message: given, key, allow }) {
  const message = key ? guardMessage(key, requestLocale(res.req?.headers)) : given;
  res.statusCode = status;
  for (const [k, v] of Object.entries(ERROR_HEADERS)) res.setHeader(k, v);
  if (allow) res.setHeader("Allow", allow);
  res.end(JSON.stringify({ error: { code, message } }));
}

// Loopback, private and link-local ranges: a peer there is usually a proxy on the same host or network.
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
]) {
  PRIVATE.addSubnet(net, bits, "ipv4");
}
PRIVATE.addAddress("::1", "ipv6");
PRIVATE.addSubnet("fc00::", 7, "ipv6");
PRIVATE.addSubnet("fe80::", 10, "ipv6");

/** True for loopback and private addresses, IPv4-mapped IPv6 forms included (BlockList maps them). */
/** @param {string | undefined} address */
export function isPrivatePeer(address) {
  if (typeof address !== "string" || address === "") return false;
  const bare = address.replace(/%.*$/, ""); // an IPv6 zone id (fe80::1%eth0)
  try {
    return PRIVATE.check(bare, isIPv6(bare) ? "ipv6" : "ipv4");
  } catch {
    return false; // not an IP address
  }
}

export const PROXY_WARNING_INTERVAL_MS = 3600_000;

/**
 * A check that warns (at most once per interval) when requests seem to come through a proxy while
 * TRUST_PROXY=0: then every client has the proxy's address and they share its rate limits. Only the
 * peer's socket address is named, never the X-Forwarded-For value (the client writes that).
 * `now` and `warn` are injected so tests can drive the clock and see what is logged.
 *
 * @param {{ trustProxy: number, warn: (message: string) => void, now?: () => number, intervalMs?: number }} options
 * @returns {(peer: string | undefined, hasForwardedFor: boolean) => void}
 */
export function createProxyWarning({ trustProxy, warn, now = Date.now, intervalMs = PROXY_WARNING_INTERVAL_MS }) {
  /** @type {number | null} */
  let last = null;
  return function check(peer, hasForwardedFor) {
    if (trustProxy > 0 || !hasForwardedFor || !isPrivatePeer(peer)) return;
    const t = now();
    if (last !== null && t - last < intervalMs) return;
    last = t;
    warn(
      `Requests arrive through a proxy (X-Forwarded-For from ${peer.replace(/^::ffff:/i, "")}) but TRUST_PROXY=0: every client shares the ` +
        "proxy's address for rate limits. Set TRUST_PROXY to the number of proxy hops.",
    );
  };
}

// ---- the password routes' front door ----

/** The routes that hash or compare a password (lib/auth/hash-pool.ts withHashSlot runs inside them). */
export const PASSWORD_ROUTES = new Set([
  "POST /api/onboarding/claim_token",
  "POST /api/auth/login",
  "POST /api/auth/reauth",
  "POST /api/me/password",
]);

/**
 * Admission at the door for the password routes, before the app sees the request. The hashing pool
 * already lets only a few requests hash at once, but each request still costs this thread its
 * routing, its body, its token and its database reads before it reaches the pool: 200 claims arriving
 * together are 200 of those at once, and a cheap request behind them waited about a second. Here at
 * most `limit` password requests are inside the app; up to `queueMax` more wait unread (TCP holds their
 * bodies), first come first served; beyond that the answer is 503 server_busy with Retry-After at
 * once. A waiting request whose client goes away leaves the queue. Other routes pass straight through.
 *
 * @param {{ limit: number, queueMax: number }} options
 */
export function createPasswordGate({ limit, queueMax }) {
  let active = 0;
  /** @type {Array<() => void>} */
  const waiting = [];

  function release() {
    active--;
    const nextUp = waiting.shift();
    if (nextUp) nextUp();
  }

  /**
   * Runs `pass` now, later, or never (answering 503 itself).
   * @param {import("node:http").IncomingMessage} req
   * @param {import("node:http").ServerResponse} res
   * @param {() => void} pass
   */
  function admit(req, res, pass) {
    const key = `${req.method} ${(req.url ?? "/").split("?")[0]}`;
    if (!PASSWORD_ROUTES.has(key)) return pass();
    const enter = () => {
      active++;
      res.once("close", release);
      pass();
    };
    if (active < limit) return enter();
    if (waiting.length >= queueMax) {
      res.setHeader("Retry-After", "1");
      return sendError(res, { status: 503, code: "server_busy", key: "errors.server_busy" });
    }
    const turn = () => {
      res.off("close", leave);
      enter();
    };
    const leave = () => {
      const at = waiting.indexOf(turn);
      if (at !== -1) waiting.splice(at, 1);
    };
    res.once("close", leave);
    waiting.push(turn);
  }

  return { admit, stats: () => ({ active, waiting: waiting.length }) };
}
