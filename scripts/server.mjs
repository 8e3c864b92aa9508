// The app's HTTP server: Next's request handler behind a plain Node server that
//  - sets the client IP from the socket (Next passes a client-supplied X-Forwarded-For through, which
//    would let anyone pick the IP the rate limits see), trusting forwarded hops only if TRUST_PROXY says so;
//  - logs one structured line per request (method, path without query string, status, duration, id);
//  - answers a malformed path itself with a 400 JSON error (Next would answer 500 text/plain), a
//    method an API route does not implement with 405 JSON and Allow (Next: an empty 405, or a
//    plain-text 500 for TRACE), an unknown /api path with 404 JSON (lib/api-routes.mjs);
//  - answers the JSON API by calling its route handlers directly, without Next's request pipeline
//    (direct-api.mjs; API_DIRECT=0 and the development server go through Next);
//  - lets only a few password requests (claim, login, re-auth, password change) into the app at once and
//    queues the rest unread, so a storm of them cannot hold up cheap requests (request-guards.mjs);
//  - warns when requests seem to come through a proxy that TRUST_PROXY does not know about;
//  - refuses to start with an unsafe configuration;
//  - prints "Ready" only once it can serve (Next's startup hook, lib/startup.ts, has run: migrations,
//    first admin);
//  - with WEB_CONCURRENCY=N (Postgres only), runs N processes on one port (Node's cluster);
//  - on SIGTERM or SIGINT stops accepting, finishes the requests in flight, closes the database and
//    hashing pools, and exits within 10 s.
// Plain .mjs because Node 20 cannot run TypeScript; the app itself is built by `next build`.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { availableParallelism } from "node:os";
import { loadDirectApi } from "./direct-api.mjs";
import { createPasswordGate, createProxyWarning, malformedTarget, methodGuard, sendError, sendMalformed } from "./request-guards.mjs";

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dev = process.argv.includes("--dev");
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.NODE_ENV ??= dev ? "development" : "production";
const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";

const log = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: undefined,
  redact: { paths: ["req.headers.authorization", "req.headers.cookie", "res.headers['set-cookie']"], censor: "[redacted]" },
});

function fail(message) {
  console.error(`\n${message}\n`);
  process.exit(1);
}

// ---- configuration checks (before anything listens) ----
if (process.env.DATABASE_URL) {
  const secret = process.env.AUTH_SECRET ?? "";
  if (Buffer.byteLength(secret, "utf8") < 32) {
    fail(
      "AUTH_SECRET is required when DATABASE_URL is set (at least 32 bytes, the same on every instance).\n" +
        "Generate one: node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\"",
    );
  }
}
const trustProxy = process.env.TRUST_PROXY ? Number(process.env.TRUST_PROXY) : 0;
if (!Number.isInteger(trustProxy) || trustProxy < 0 || trustProxy > 10) {
  fail("TRUST_PROXY must be the number of proxy hops in front of the app (0–10).");
}
// Same bounds as lib/env.ts.
const processes = process.env.WEB_CONCURRENCY ? Number(process.env.WEB_CONCURRENCY) : 1;
if (!Number.isInteger(processes) || processes < 1 || processes > 256) {
  fail("WEB_CONCURRENCY must be the number of server processes (1–256).");
}
if (processes > 1 && !process.env.DATABASE_URL) {
  fail(
    `WEB_CONCURRENCY=${processes} needs DATABASE_URL (PostgreSQL). The embedded PGlite database allows one process at a\n` +
      "time: each of the processes would fight over its directory lock. Unset WEB_CONCURRENCY (or set it to 1), or set DATABASE_URL.",
  );
}
if (process.env.API_DIRECT !== undefined && !["0", "1"].includes(process.env.API_DIRECT)) {
  fail("API_DIRECT must be 1 (the default: the API's handlers are called directly) or 0 (through Next's route pipeline).");
}
if (processes > 1 && dev) fail("WEB_CONCURRENCY applies to `npm start`; the development server runs one process.");

// Shutdown budget: requests in flight get DRAIN_MS, then the pools are closed; whatever happens, the
// process is gone before EXIT_MS (orchestrators commonly send SIGKILL 10 s after SIGTERM).
const DRAIN_MS = 8000;
const EXIT_MS = 9500;
const publicUrl = process.env.APP_URL ?? `http://localhost:${port}`;
const readyLine = (detail) =>
  `\nReady: open ${publicUrl} (listening on ${hostname}:${port}${detail})\n` +
  (dev ? "" : "Stop with Ctrl+C; start it again later with `npm start` (no reinstall; `npm run build` first only after changing the code).\n");

if (cluster.isPrimary && processes > 1) await runPrimary();
else await runServer();

/** WEB_CONCURRENCY > 1: this process only forks the workers (which share the port) and supervises them. */
async function runPrimary() {
  const live = new Set();
  const ready = new Set();
  const servedOnce = new WeakSet();
  let stopping = false;
  let started = false;
  const stopAll = (signal) => {
    for (const w of live) w.process.kill(signal);
  };
  const fork = () => {
    const worker = cluster.fork();
    live.add(worker);
    worker.on("message", (message) => {
      if (message?.type !== "app:ready") return;
      ready.add(worker);
      servedOnce.add(worker);
      if (!started && ready.size === processes) {
        started = true;
        console.log(readyLine(`, ${processes} processes`));
      }
    });
    worker.on("exit", (code, signal) => {
      live.delete(worker);
      ready.delete(worker);
      if (stopping) {
        if (live.size === 0) process.exit(started ? 0 : 1);
      } else if (!started) {
        // A worker that cannot start (configuration, database unreachable) has said why on stderr.
        console.error(`\nA server process exited during startup (${signal ?? `exit code ${code}`}); stopping the others.\n`);
        stop(null);
      } else {
        // A replacement that cannot start either is retried once a second, not in a tight loop.
        const wasReady = servedOnce.has(worker);
        log.error({ pid: worker.process.pid, code, signal }, "server process exited; starting another");
        if (wasReady) fork();
        else setTimeout(() => stopping || fork(), 1000);
      }
    });
  };
  function stop(signal) {
    if (stopping) return;
    stopping = true;
    if (signal) log.info({ signal, processes }, "shutting down");
    // Each worker finishes its own requests in flight, closes its pools and exits within EXIT_MS.
    stopAll("SIGTERM");
    setTimeout(() => {
      stopAll("SIGKILL");
      process.exit(1);
    }, EXIT_MS + 300).unref();
    if (live.size === 0) process.exit(started ? 0 : 1);
  }
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  for (let i = 0; i < processes; i++) fork();
}

/**
 * The socket address, or with TRUST_PROXY=n the address n hops back in X-Forwarded-For (each
 * trusted proxy appends the address it saw; anything further left is the client's to invent).
 */
export function clientAddress(req) {
  const socket = (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
  if (trustProxy === 0) return socket;
  const header = req.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socket];
  return chain[Math.max(0, chain.length - 1 - trustProxy)];
}

/** One server process: Next behind the guards above. */
async function runServer() {
  const hsts = publicUrl.startsWith("https://");
  const warnAboutProxy = createProxyWarning({ trustProxy, warn: (message) => log.warn({ setting: "TRUST_PROXY" }, message) });

  const { default: next } = await import("next");
  const app = next({ dev, dir, hostname, port });
  const handle = app.getRequestHandler();
  await app.prepare();
  await runStartupHook(app);
  const directApi = await loadApi();

  // The password routes' door (request-guards.mjs createPasswordGate): inside the app (its handlers) at once, twice the
  // hashing pool's slots (lib/auth/hash-pool.ts: threads + 1), so the pool never waits for work;
  // waiting, HASH_QUEUE_MAX (lib/env.ts has validated both by now).
  const hashThreads = Number(process.env.HASH_THREADS) || Math.max(1, Math.floor(availableParallelism() / processes));
  const passwordGate = createPasswordGate({ limit: 2 * (hashThreads + 1), queueMax: process.env.HASH_QUEUE_MAX ? Number(process.env.HASH_QUEUE_MAX) : 64 });

  let stopping = false;
  const inFlight = new Set();
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const id = randomUUID();
    inFlight.add(res);
    warnAboutProxy(req.socket.remoteAddress, req.headers["x-forwarded-for"] !== undefined);
    const ip = clientAddress(req);
    req.headers["x-forwarded-for"] = ip;
    delete req.headers["x-real-ip"];
    delete req.headers["forwarded"];
    req.headers["x-request-id"] = id;
    res.setHeader("X-Request-Id", id);
    if (hsts) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
    // A request that arrives on a kept-alive connection while shutting down is served, and its
    // connection then closed.
    if (stopping) res.setHeader("Connection", "close");
    const route = (req.url ?? "/").split("?")[0];
    log.debug({ method: req.method, route, request_id: id }, "request started");
    res.on("close", () => {
      inFlight.delete(res);
      // A kept-alive connection whose response is done has nothing left to finish.
      if (stopping) server.closeIdleConnections();
      if (route.startsWith("/_next/static")) return;
      log.info(
        {
          method: req.method,
          route,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          request_id: id,
          ip,
          ...(cluster.isWorker && { pid: process.pid }),
        },
        "request",
      );
    });
    const malformed = malformedTarget(req.url);
    if (malformed) return sendMalformed(res, malformed);
    const refused = methodGuard(req.method, req.url);
    if (refused) return sendError(res, refused);
    passwordGate.admit(req, res, () =>
      (directApi?.serve(req, res) || handle(req, res)).catch((err) => {
        log.error({ request_id: id, err: { name: err?.name } }, "unhandled error");
        if (!res.headersSent) sendError(res, { status: 500, code: "internal_error", key: "errors.internal_error" });
        else res.end();
      }),
    );
  });

  await new Promise((resolve) => {
    const failed = (err) => fail(`Cannot listen on ${hostname}:${port}: ${err.message}`);
    server.once("error", failed);
    server.listen(port, hostname, () => {
      server.off("error", failed);
      resolve();
    });
  });
  if (cluster.isWorker) process.send?.({ type: "app:ready" });
  else console.log(readyLine(dev ? ", development mode" : ""));

  async function shutdown(signal) {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: finishing requests in flight");
    setTimeout(() => {
      log.error("shutdown took too long; exiting");
      process.exit(1);
    }, EXIT_MS).unref();
    // Stop accepting (and end idle kept-alive connections); `close` fires once every connection has
    // ended. Requests in flight finish, then their connections close.
    const closed = new Promise((resolve) => server.close(resolve));
    for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
    server.closeIdleConnections();
    log.info({ in_flight: inFlight.size }, "stopped accepting connections");
    const drained = await Promise.race([closed.then(() => true), delay(DRAIN_MS).then(() => false)]);
    if (!drained) {
      log.warn("requests still in flight after the drain period; closing their connections");
      server.closeAllConnections();
    }
    // The pools live in Next's bundles, which put their closers on globalThis (db/index.ts,
    // lib/auth/hash-pool.ts).
    const closers = [globalThis.__closeDb, globalThis.__closeHashPool].filter((f) => typeof f === "function");
    const results = await Promise.race([Promise.allSettled(closers.map((close) => close())), delay(EXIT_MS - DRAIN_MS - 200)]);
    for (const r of results ?? []) if (r.status === "rejected") log.error({ err: { name: r.reason?.name } }, "closing a pool failed");
    log.info("stopped");
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/**
 * The API's handlers from the production build (direct-api.mjs), or null to serve the API through
 * Next: in development (the handlers change under it), with API_DIRECT=0, or when this build's
 * handlers cannot be reached (said once, at startup).
 */
async function loadApi() {
  if (dev) return null;
  if (process.env.API_DIRECT === "0") {
    log.info("API_DIRECT=0: the API is served through Next's route pipeline");
    return null;
  }
  try {
    const api = await loadDirectApi({ distDir: path.join(dir, ".next"), origin: new URL(publicUrl).origin });
    log.info({ routes: api.routes }, "the API's handlers are called directly");
    return api;
  } catch (err) {
    log.warn({ err: { message: err?.message } }, "cannot call the API's handlers directly (Next internals changed?); serving the API through Next");
    return null;
  }
}

/**
 * In production Next runs instrumentation.ts (lib/startup.ts: configuration, migrations, the first
 * admin) on the first request, not in prepare(), so "Ready" would appear before a startup failure.
 * Run it now. There is no public API for this; without the internal one, warn and go on as before.
 */
async function runStartupHook(app) {
  const inner = await app.server?.getServer?.();
  if (typeof inner?.prepare !== "function") {
    log.warn("could not run Next's startup hook before listening (Next internals changed?); it runs on the first request");
    return;
  }
  await inner.prepare();
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
