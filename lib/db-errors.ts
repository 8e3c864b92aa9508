// The one place that decides whether an error means "the database is unavailable right now" (the
// request is answered 503 service_unavailable with Retry-After, lib/http.ts route) rather than a bug
// (500). Both drivers are covered: pg (and the pool around it) and PGlite's directory lock.

// SQLSTATE codes: the server is going away, not accepting connections, or cancelled the statement.
const UNAVAILABLE_SQLSTATES = new Set([
  "57014", // query_canceled: DB_STATEMENT_TIMEOUT_MS (statement_timeout) or a cancel request
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up, shutting down, recovering
  "53300", // too_many_connections
  "55P03", // lock_not_available: lock_timeout
]);
// SQLSTATE class 08: connection exceptions.
const CONNECTION_EXCEPTION = /^08[0-9A-Z]{3}$/;

// Socket errors from Node (connecting or mid-query).
const UNAVAILABLE_ERRNOS = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

// pg reports these with no code at all, only a message.
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // "… unexpectedly", "… due to connection timeout"
  /^timeout expired$/, // connectionTimeoutMillis while connecting
  /^timeout exceeded when trying to connect$/, // pg-pool: no free client within connectionTimeoutMillis
  /^Query read timeout$/, // query_timeout
  /not queryable/, // "Client has encountered a connection error and is not queryable"
  /^Cannot use a pool after calling end on the pool$/, // shutting down
  /^PGlite is closed/, // shutting down
];

// Names of errors that mean the same, from our own code or the drivers.
const UNAVAILABLE_NAMES = new Set(["DatabaseBusyError", "DatabaseTimeoutError"]);

/**
 * True when `err` (or an error it wraps: drizzle's DrizzleQueryError puts the driver's error in
 * `cause`; Node's AggregateError from a failed connect lists one per address) says the database
 * cannot be reached or did not answer in time.
 */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== "object") return false;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.name === "string" && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.code === "string") {
    if (UNAVAILABLE_SQLSTATES.has(e.code) || CONNECTION_EXCEPTION.test(e.code) || UNAVAILABLE_ERRNOS.has(e.code)) return true;
  }
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGES.some((m) => m.test(e.message as string))) return true;
  if (isDatabaseUnavailable(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/** A wait for the database that took too long (the health check's own limit). */
export class DatabaseTimeoutError extends Error {
  name = "DatabaseTimeoutError";
}

/** `promise`, or a DatabaseTimeoutError after `ms`; the late promise's failure is ignored. */
export function withDatabaseTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(`the database did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
