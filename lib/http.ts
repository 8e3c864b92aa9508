import type { z } from "zod";
import { isDatabaseUnavailable } from "./db-errors";
import { appOrigin } from "./env";
import { ERRORS, errorMessage, type ErrorCode } from "./errors";
import { localeOfRequest } from "./i18n/locales";
import { currentLocale, tr, withLocale } from "./i18n/request-locale";
import { logger } from "./logger";

// Web-standard Request/Response helpers for route handlers (no Next imports, so tests call the
// handlers with a plain `new Request(...)`).

export const MAX_BODY_BYTES = 16 * 1024;

const NO_STORE = { "Cache-Control": "no-store" };

export function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  for (const [k, v] of Object.entries(NO_STORE)) h.set(k, v);
  return Response.json(body, { status, headers: h });
}

export function noContent(headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set("Cache-Control", "no-store");
  return new Response(null, { status: 204, headers: h });
}

/** `{ error: { code, message } }`; without `message`, the code's own sentence in the request's language. */
export function apiError(code: ErrorCode, message?: string, headers: HeadersInit = {}): Response {
  return json({ error: { code, message: message ?? errorMessage(code, currentLocale()) } }, ERRORS[code], headers);
}

export function rateLimited(retryAfterSeconds: number): Response {
  return apiError("rate_limited", undefined, { "Retry-After": String(retryAfterSeconds) });
}

type Parsed<T> = { ok: true; data: T } | { ok: false; response: Response };

/** Content type, size, JSON syntax and shape, in that order; every failure is a 4xx JSON error. */
export async function readJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes = MAX_BODY_BYTES,
): Promise<Parsed<z.infer<S>>> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return { ok: false, response: apiError("unsupported_media_type") };
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, response: apiError("payload_too_large") };
  const text = await readCapped(request, maxBytes);
  if (text === null) return { ok: false, response: apiError("payload_too_large") };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, response: apiError("invalid_request", tr("api.invalid_json")) };
  }
  return parseWith(schema, value);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): Parsed<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const first = result.error.issues[0];
  const where = first?.path.length ? `${first.path.join(".")}: ` : "";
  return { ok: false, response: apiError("invalid_request", `${where}${first?.message ?? tr("api.invalid_input")}`.slice(0, 300)) };
}

/** The body as text, or null when it exceeds `limit` bytes (read no further than that). */
async function readCapped(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
}

/**
 * The client's address. The custom server (scripts/server.mjs) overwrites X-Forwarded-For with the
 * socket address (or the hop TRUST_PROXY says to trust), so a client cannot choose it.
 */
export function clientIp(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for");
  const ip = forwarded?.split(",")[0]?.trim();
  return ip || "unknown";
}

/** The client's address and user agent (cut to 256 characters), as audit events record them. */
export function requestMeta(request: Request): { ip: string; userAgent: string | null } {
  return { ip: clientIp(request), userAgent: request.headers.get("user-agent")?.slice(0, 256) || null };
}

/**
 * CSRF: a state-changing request must come from our own origin. Browsers send Origin on every
 * POST; a request with neither Origin nor Sec-Fetch-Site: same-origin is refused too.
 */
export function checkOrigin(request: Request): Response | null {
  const origin = request.headers.get("origin");
  if (origin) {
    if (origin === appOrigin() || isLoopbackSelf(origin, request.headers.get("host"))) return null;
    return apiError("csrf_rejected");
  }
  if (request.headers.get("sec-fetch-site") === "same-origin") return null;
  return apiError("csrf_rejected", tr("api.no_origin"));
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * On a developer's machine the same server answers as localhost and 127.0.0.1; a page on one of
 * those names posting to itself is same-origin. Only loopback names qualify, so a DNS-rebound
 * hostname never passes by matching its own Host header. Scheme, host and port must all match: the
 * scheme is the app's own (APP_URL), since the Host header does not say which one the request used.
 */
function isLoopbackSelf(origin: string, host: string | null): boolean {
  try {
    const url = new URL(origin);
    const scheme = new URL(appOrigin()).protocol;
    return host !== null && url.protocol === scheme && url.host === host && LOOPBACK.has(url.hostname);
  } catch {
    return false; // a malformed Origin is not ours
  }
}

/**
 * Wraps a route handler: an unexpected error becomes a 500 JSON body with no stack trace, logged
 * without request data (which may carry secrets); a full hashing queue is 503 server_busy and an
 * unavailable database 503 service_unavailable, both with Retry-After. The handler runs in the
 * request's language (cookie, else Accept-Language: lib/i18n/request-locale.ts), which every error
 * message written below it follows.
 */
export function route<Args extends unknown[]>(fn: (request: Request, ...args: Args) => Promise<Response>) {
  return (request: Request, ...args: Args): Promise<Response> => withLocale(localeOfRequest(request), () => handle(fn, request, args));
}

async function handle<Args extends unknown[]>(fn: (request: Request, ...args: Args) => Promise<Response>, request: Request, args: Args): Promise<Response> {
  try {
    return await fn(request, ...args);
  } catch (err) {
    // The hashing queue is full (lib/auth/hash-pool.ts): an answer, not a failure.
    if ((err as { name?: string })?.name === "ServerBusyError") return apiError("server_busy", undefined, { "Retry-After": "1" });
    // Only names and codes are logged: driver messages can quote query parameters.
    const e = err as { name?: string; code?: string; cause?: { name?: string; code?: string } };
    const code = e?.code ?? e?.cause?.code;
    const path = new URL(request.url).pathname;
    // The database is away or too slow (lib/db-errors.ts decides): a retryable 503, not a bug.
    if (isDatabaseUnavailable(err)) {
      logger.warn({ err: { name: e?.name, code, cause: e?.cause?.name }, path }, "database unavailable");
      return apiError("service_unavailable", undefined, { "Retry-After": "2" });
    }
    logger.error({ err: { name: e?.name, code, cause: e?.cause?.name }, path }, "request failed");
    return apiError("internal_error");
  }
}
