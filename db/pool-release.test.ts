import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgres, POOL_MAX } from "./index";

// db/index.ts ReleasingPool: drizzle's transaction() checks a client out and sends BEGIN before its
// try/finally, so when BEGIN meets a dead connection the client is never released. Here the holders
// never release either: once their connections die, the pool must still serve (and no "error" may go
// unhandled: vitest fails the run on an uncaught exception).
const url = process.env.DATABASE_URL;

describe.skipIf(!url)("Postgres pool (ReleasingPool)", () => {
  it("clients checked out for transactions go back to the pool as soon as their connections die", async () => {
    const handle = await openPostgres(url!);
    const pool = (handle.db as unknown as { $client: pg.Pool }).$client;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Every slot taken (max 10), as by ten transactions, each on its own backend.
      const held = await Promise.all(Array.from({ length: 10 }, () => pool.connect()));
      const pids = await Promise.all(held.map(async (c) => (await c.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0].pid));
      expect(pool.totalCount).toBe(10);

      await admin.query("select pg_terminate_backend(pid) from unnest($1::int[]) as pid", [pids]);
      // The dead clients leave the pool without anyone calling release().
      const deadline = Date.now() + 5000;
      while (pool.totalCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(pool.totalCount).toBe(0);

      // The pool serves again, on new connections; a transaction works.
      const { rows } = await pool.query<{ ok: number }>("select 1 as ok");
      expect(rows).toEqual([{ ok: 1 }]);
      await handle.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
      });
      // A holder releasing its dead client afterwards changes nothing.
      for (const c of held) c.release();
      expect(pool.totalCount).toBeLessThanOrEqual(1);
    } finally {
      await admin.end();
      await handle.close();
    }
  });

  it("warm() opens every pool connection at start, and they stay open when idle", async () => {
    const handle = await openPostgres(url!);
    const pool = (handle.db as unknown as { $client: pg.Pool }).$client;
    try {
      expect(await handle.warm!()).toBe(POOL_MAX);
      expect(pool.totalCount).toBe(POOL_MAX);
      expect(pool.idleCount).toBe(POOL_MAX);
      // min = max: pg-pool's idle timeout (10 s) closes none of them.
      expect((pool as unknown as { options: { min: number } }).options.min).toBe(POOL_MAX);
    } finally {
      await handle.close();
    }
  });
});
