// The app's HTTP server: Next's request handler behind a plain Node server that
//  - sets the client IP from the socket (Next passes a client-supplied X-Forwarded-For through, which
//    would let anyone pick the IP the rate limits see), trusting forwarded hops only if TRUST_PROXY says so;
//  - logs one structured line per request (method, path without query string, status, duration, id);
//  - answers a malformed path itself with a 400 JSON error (Next would answer 500 text/plain);
//  - warns when requests seem to come through a proxy that TRUST_PROXY does not know about;
//  - refuses to start with an unsafe configuration.
// Plain .mjs because Node 20 cannot run TypeScript; the app itself is built by `next build`.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";
import pino from "pino";
import { createProxyWarning, malformedTarget, sendMalformed } from "./request-guards.mjs";

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

const hsts = (process.env.APP_URL ?? "").startsWith("https://");
const warnAboutProxy = createProxyWarning({ trustProxy, warn: (message) => log.warn({ setting: "TRUST_PROXY" }, message) });

const app = next({ dev, dir, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  const started = process.hrtime.bigint();
  const id = randomUUID();
  warnAboutProxy(req.socket.remoteAddress, req.headers["x-forwarded-for"] !== undefined);
  const ip = clientAddress(req);
  req.headers["x-forwarded-for"] = ip;
  delete req.headers["x-real-ip"];
  delete req.headers["forwarded"];
  req.headers["x-request-id"] = id;
  res.setHeader("X-Request-Id", id);
  if (hsts) res.setHeader("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
  const route = (req.url ?? "/").split("?")[0];
  res.on("close", () => {
    if (route.startsWith("/_next/static")) return;
    log.info(
      { method: req.method, route, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6, request_id: id, ip },
      "request",
    );
  });
  const malformed = malformedTarget(req.url);
  if (malformed) return sendMalformed(res, malformed);
  handle(req, res).catch((err) => {
    log.error({ request_id: id, err: { name: err?.name } }, "unhandled error");
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ error: { code: "internal_error", message: "Something went wrong on our side." } }));
    } else res.end();
  });
});

server.listen(port, hostname, () => {
  const url = process.env.APP_URL ?? `http://localhost:${port}`;
  console.log(`\nReady: open ${url} (listening on ${hostname}:${port}${dev ? ", development mode" : ""})\n`);
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  server.close();
  server.closeAllConnections?.();
  try {
    await globalThis.__closeDb?.();
  } finally {
    process.exit(0);
  }
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
