// The peer `npm run bench` measures against: Better Auth (pinned devDependency) behind a bare
// node:http server, with its own request handler (better-auth/node). Postgres when DATABASE_URL is
// set (its tables created by its own migrations), else its in-memory adapter (PGlite has no adapter
// of its own; the routes measured on the PGlite run never touch a database: GET /api/auth/ok, and
// get-session without a cookie). Rate limiting and telemetry off, as for the app.
//
//   PORT=4100 [DATABASE_URL=postgres://…] node bench/peer/server.mjs     prints "ready <port>"
import { createServer } from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";

const port = Number(process.env.PORT ?? 4100);
const baseURL = `http://127.0.0.1:${port}`;
let database;
let pool;
if (process.env.DATABASE_URL) {
  const { Pool } = await import("pg");
  // The app's pool size (db/index.ts), so both servers get the same number of connections.
  pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  database = pool;
} else {
  database = memoryAdapter({ user: [], session: [], account: [], verification: [] });
}

const auth = betterAuth({
  baseURL,
  secret: process.env.AUTH_SECRET ?? "bench-peer-secret-bench-peer-secret-0123456789",
  database,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
  trustedOrigins: [baseURL],
});

if (pool) {
  const { runMigrations } = await getMigrations(auth.options);
  await runMigrations();
}

const handler = toNodeHandler(auth);
const server = createServer((req, res) => {
  if (req.url === "/health-db" && pool) {
    // Not Better Auth: the same `select 1` the app's health route runs, for reference only.
    pool.query("select 1").then(
      () => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"ok":true}'); },
      () => { res.writeHead(503); res.end(); },
    );
    return;
  }
  handler(req, res);
});
server.listen(port, "127.0.0.1", () => console.log(`ready ${port} (${pool ? "postgres" : "memory"})`));

const stop = () => server.close(() => Promise.resolve(pool?.end()).finally(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
