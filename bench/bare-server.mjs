// Context for `npm run bench`: the smallest server that answers like GET /api/health — node:http and
// one `select 1` per request, no framework. Postgres through a pg Pool of the app's size (10) when
// DATABASE_URL is set, else PGlite in memory (the same driver the app uses without DATABASE_URL).
//
//   PORT=4200 [DATABASE_URL=postgres://…] node bench/bare-server.mjs     prints "ready <port>"
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 4200);
let query;
let close;
if (process.env.DATABASE_URL) {
  const { Pool } = await import("pg");
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  query = () => pool.query("select 1");
  close = () => pool.end();
} else {
  const { PGlite } = await import("@electric-sql/pglite");
  const db = new PGlite();
  await db.query("select 1");
  query = () => db.query("select 1");
  close = () => db.close();
}

const body = JSON.stringify({ status: "ok", db: "ok" });
const server = createServer((req, res) => {
  query().then(
    () => {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
    },
    () => {
      res.writeHead(503, { "content-type": "application/json" });
      res.end('{"status":"error","db":"unreachable"}');
    },
  );
});
server.listen(port, "127.0.0.1", () => console.log(`ready ${port} (${process.env.DATABASE_URL ? "postgres" : "pglite"})`));

const stop = () => server.close(() => Promise.resolve(close()).finally(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
