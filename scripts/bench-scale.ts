// npm run bench:scale — the admin console's lists at scale. Seeds BENCH_ROWS (default 1,000,000)
// users, as many invitations and as many audit events with INSERT … SELECT generate_series (once:
// a later run reuses them), then times each list query through the real lib/ functions and prints
// the EXPLAIN ANALYZE of every SQL statement they ran, flagging a sequential scan of a big table.
//
//   DATABASE_URL=postgres://… AUTH_SECRET=… npm run bench:scale     Postgres
//   npm run bench:scale                                             PGlite in .data/bench-pglite
//                                                                   (run it before a server takes that directory)
// BENCH_SCALE_JSON=<file> also writes every case's median and plans there (npm run bench reads it).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { sql } from "drizzle-orm";

process.env.LOG_LEVEL = "silent";
process.env.RATE_LIMITS = "off";
// Seeding inserts 100,000 rows per statement: no statement timeout here (DB_STATEMENT_TIMEOUT_MS).
process.env.DB_STATEMENT_TIMEOUT_MS ??= "0";
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR ??= ".data/bench-pglite";
const N = Number(process.env.BENCH_ROWS ?? 1_000_000);

const { closeDb, getDb, getHandle } = await import("../db");
const { rows } = await import("../lib/rate-limit");
const db = await getDb();
const { driver } = await getHandle();

// ---- seed ----
const [{ n: seeded }] = rows<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM users WHERE email LIKE 'seed-%'`));
if (seeded < N) {
  console.log(`seeding ${N - seeded} users, invitations and audit events on ${driver} …`);
  const t = performance.now();
  for (let from = seeded + 1; from <= N; from += 100_000) {
    const to = Math.min(N, from + 99_999);
    // Addresses: seed-<i>.<word>@<team>.example; "common" matches every row, "rare" one.
    // One statement for users and their invitations (a CTE), so each user gets exactly one.
    await db.execute(sql`
      WITH u AS (
        INSERT INTO users (email, email_canonical, role, password_hash, disabled_at, created_at)
        SELECT 'seed-' || i || '.' || (ARRAY['ada','grace','alan','edsger','barbara'])[1 + i % 5] || '@team' || (i % 97) || '.example',
               'seed-' || i || '.' || (ARRAY['ada','grace','alan','edsger','barbara'])[1 + i % 5] || '@team' || (i % 97) || '.example',
               (CASE WHEN i % 50 = 0 THEN 'admin' ELSE 'member' END)::user_role,
               CASE WHEN i % 3 = 0 THEN NULL ELSE '$2b$12$seedseedseedseedseedseedseedseedseedseedseedseedseedse' END,
               CASE WHEN i % 41 = 0 THEN now() END,
               now() - make_interval(secs => i)
        FROM generate_series(${from}::int, ${to}::int) AS i
        RETURNING id, email, role, email_canonical, password_hash, disabled_at, created_at
      )
      INSERT INTO invitations (user_id, kind, role, email_canonical, token_hash, created_at, expires_at, is_accepted, accepted_at, revoked_at)
      SELECT u.id, 'invite', u.role, u.email_canonical, md5(u.id::text) || md5(u.email), u.created_at,
             u.created_at + interval '7 days',
             u.password_hash IS NOT NULL, CASE WHEN u.password_hash IS NOT NULL THEN u.created_at + interval '1 hour' END,
             CASE WHEN u.password_hash IS NULL AND u.disabled_at IS NOT NULL THEN u.created_at + interval '2 hours' END
      FROM u`);
    await db.execute(sql`
      INSERT INTO audit_events (action, actor_user_id, actor_email, target_user_id, target_email, ip, user_agent, details, created_at)
      SELECT (ARRAY['user.login','user.login_failed','invitation.created','invitation.claimed','user.role_changed'])[1 + i % 5],
             NULL, 'seed-admin@team0.example', NULL, 'seed-' || i || '@team' || (i % 97) || '.example',
             '198.51.100.' || (i % 250), 'bench', '{}'::jsonb, now() - make_interval(secs => i)
      FROM generate_series(${from}::int, ${to}::int) AS i`);
    process.stdout.write(`  ${to}\r`);
  }
  await db.execute(sql`ANALYZE users`);
  await db.execute(sql`ANALYZE invitations`);
  await db.execute(sql`ANALYZE audit_events`);
  console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}

// ---- measure ----
// A second drizzle handle on the same connection(s) that records the SQL each lib call runs.
type Query = { sql: string; params: unknown[] };
const captured: Query[] = [];
const handle = (await getHandle()) as unknown as { db: { $client: unknown } };
const client = handle.db.$client;
const logger = { logQuery: (q: string, params: unknown[]) => captured.push({ sql: q, params }) };
const traced =
  driver === "postgres"
    ? (await import("drizzle-orm/node-postgres")).drizzle(client as never, { logger, schema: await import("../db/schema") })
    : (await import("drizzle-orm/pglite")).drizzle(client as never, { logger, schema: await import("../db/schema") });

export type Case = { name: string; run: (db: typeof traced) => Promise<unknown> };
const { CASES } = await import("./bench-scale-cases");

const report: { name: string; ms: number; seqScan: boolean; plans: string[] }[] = [];
console.log(`\nbench:scale on ${driver}, ${N.toLocaleString("en")} rows per table; median of 5 (ms), target ≤ 50\n`);
for (const c of CASES as Case[]) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    captured.length = 0;
    const t = performance.now();
    await c.run(traced);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const plans: string[] = [];
  for (const q of captured) {
    const plan = rows<{ "QUERY PLAN": string }>(await explain(q)).map((r) => r["QUERY PLAN"]);
    plans.push(plan.join("\n    "));
  }
  const seqScan = plans.some((p) => /Seq Scan on (users|invitations|audit_events)\b/.test(p));
  console.log(`${c.name.padEnd(58)}${times[2].toFixed(1).padStart(8)}${seqScan ? "   SEQ SCAN" : ""}`);
  report.push({ name: c.name, ms: Number(times[2].toFixed(1)), seqScan, plans });
  if (process.env.BENCH_PLANS !== "0") for (const p of plans) console.log(`    ${p}\n`);
}
if (process.env.BENCH_SCALE_JSON) {
  fs.writeFileSync(process.env.BENCH_SCALE_JSON, JSON.stringify({ driver, rows: N, cases: report }, null, 2));
}
await closeDb();

async function explain(q: Query) {
  // Re-run the recorded statement under EXPLAIN ANALYZE with its own parameters.
  const { driver: d } = await getHandle();
  if (d === "postgres") {
    const pg = client as { query(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
    return (await pg.query(`EXPLAIN (ANALYZE, BUFFERS) ${q.sql}`, q.params)).rows;
  }
  const lite = client as { query(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
  return (await lite.query(`EXPLAIN ANALYZE ${q.sql}`, q.params)).rows;
}
