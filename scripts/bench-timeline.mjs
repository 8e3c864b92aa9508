// Loaded into one server of `npm run bench` (node --import, BENCH_TIMELINE), never into the app
// itself: timers around each claim (POST /api/onboarding/claim_token), read from the server's own
// clock, so a claim's work beyond its hash is measured against that very hash, in the same process
// and at the same moment, which a bare hash timed in the bench's process cannot be. Each claim appends
// one line of JSON to BENCH_TIMELINE_OUT once its response is sent: when it arrived (start), when its
// hash was handed to the pool (hashStart) and came back (hashEnd), its transaction's first and last
// moments (txStart, txEnd: BEGIN to COMMIT on Postgres, PGlite's transaction() call), and when the
// response was finished (end), in milliseconds, and the bcrypt hash alone as the worker thread ran it
// (hashInWorker: each task runs scripts/bench-timeline-worker.mjs, which runs the app's hashing module
// timed as the bench's bare hash is, scripts/bench-hash.mjs). Claims must be sent one at a time.
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BroadcastChannel, isMainThread } from "node:worker_threads";

const out = process.env.BENCH_TIMELINE_OUT;
const inServer = out && path.basename(process.argv[1] ?? "") === "server.mjs";

if (inServer && isMainThread) {
  const require = createRequire(path.join(process.cwd(), "package.json"));
  /** The claim being answered (one at a time), or null. */
  let current = null;
  const now = () => performance.now();

  const channel = new BroadcastChannel("bench-timeline");
  channel.unref();
  channel.onmessage = (event) => {
    if (current) current.hashInWorker = event.data;
  };

  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === "request" && req.method === "POST" && req.url.startsWith("/api/onboarding/claim_token")) {
      const claim = (current = { start: now() });
      res.on("finish", () => {
        claim.end = now();
        claim.status = res.statusCode;
        fs.appendFileSync(out, JSON.stringify(claim) + "\n");
        if (current === claim) current = null;
      });
    }
    return emit.apply(this, arguments);
  };

  const { Piscina } = require("piscina");
  const run = Piscina.prototype.run;
  const timedWorker = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), "bench-timeline-worker.mjs")).href;
  Piscina.prototype.run = function (task, options) {
    const claim = current;
    if (claim) claim.hashStart = now();
    const result = run.call(this, task, { ...options, filename: timedWorker });
    if (claim) result.then(() => (claim.hashEnd = now()), () => {});
    return result;
  };

  if (process.env.DATABASE_URL) {
    const pg = require("pg");
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config, ...rest) {
      const claim = current;
      const result = query.call(this, config, ...rest);
      const text = typeof config === "string" ? config : config?.text;
      if (claim && result?.then) {
        // The claim's transaction opens once its hash is back (lib/onboarding.ts claimInvitation).
        if (/^begin/i.test(text) && claim.hashEnd !== undefined && claim.txStart === undefined) claim.txStart = now();
        if (/^commit/i.test(text) && claim.txStart !== undefined) result.then(() => (claim.txEnd ??= now()), () => {});
      }
      return result;
    };
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const transaction = PGlite.prototype.transaction;
    PGlite.prototype.transaction = function (...args) {
      const claim = current?.hashEnd !== undefined && current.txStart === undefined ? current : null;
      if (claim) claim.txStart = now();
      const result = transaction.apply(this, args);
      if (claim) result.then(() => (claim.txEnd = now()), () => {});
      return result;
    };
  }
}
