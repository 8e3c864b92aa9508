import { sql } from "drizzle-orm";
import type { DB } from "../db";
import { env } from "./env";
import { rows } from "./rate-limit";

// What grows without bound and is safe to forget: sessions that ended a while ago, rate-limit
// counters whose window is over, and finished outbox rows (sent, failed, cancelled, decided) made
// more than OUTBOX_PRUNE_GRACE_SECONDS ago (their secrets were erased when they finished). Invitations (the admin's history) and audit events (append-only)
// are never pruned.

/** Advisory lock key of the prune (727272 migrations, 727273 / 727274 lib/users.ts). */
export const PRUNE_LOCK_ID = 727275;
/** An ended session is kept this long after its end (revoked, expired or idle), then deleted. */
export const SESSION_PRUNE_GRACE_SECONDS = 30 * 24 * 3600;
/** A finished outbox row is kept this long after it was made (the invitations list shows its delivery), then deleted. */
export const OUTBOX_PRUNE_GRACE_SECONDS = 30 * 24 * 3600;
/** Rows deleted per statement, so no one statement runs long (or into a statement timeout). */
const BATCH = 5000;

export type PruneResult = {
  /** false: another instance held the lock and is pruning this round; nothing was done here. */
  ran: boolean;
  sessions: number;
  rateLimits: number;
  outbox: number;
};

/**
 * Deletes sessions that ended more than `graceSeconds` ago (revoked, past their absolute end, or
 * idle: unused for SESSION_IDLE_SECONDS) and rate-limit counters whose window has passed. Safe with
 * several instances: the work runs in one transaction that first takes a transaction-level advisory
 * lock with pg_try_advisory_xact_lock (taken and released on that transaction's connection), so one
 * instance does it per round and the others skip at once. On PGlite there is one process.
 */
export async function pruneExpired(db: DB, opts: { graceSeconds?: number } = {}): Promise<PruneResult> {
  const grace = opts.graceSeconds ?? SESSION_PRUNE_GRACE_SECONDS;
  const idle = env().SESSION_IDLE_SECONDS;
  return db.transaction(async (tx) => {
    const [lock] = rows<{ locked: boolean }>(await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${sql.raw(String(PRUNE_LOCK_ID))}) AS locked`));
    if (!lock?.locked) return { ran: false, sessions: 0, rateLimits: 0, outbox: 0 };

    // A session's end is the earliest of revoked_at, expires_at and last_used_at + the idle limit
    // (lib/auth/session.ts sessionIsLive); it is prunable once that end is `grace` in the past.
    const sessionsRemoved = await deleteInBatches(
      tx as unknown as DB,
      (limit) => sql`
        WITH gone AS (
          DELETE FROM sessions WHERE id IN (
            SELECT id FROM sessions
            WHERE revoked_at < now() - make_interval(secs => ${grace})
               OR expires_at < now() - make_interval(secs => ${grace})
               OR last_used_at < now() - make_interval(secs => ${idle + grace})
            LIMIT ${limit})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
    );
    // A counter past reset_at counts nothing any more: the next hit starts a new window anyway.
    const rateLimitsRemoved = await deleteInBatches(
      tx as unknown as DB,
      (limit) => sql`
        WITH gone AS (
          DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE reset_at <= now() LIMIT ${limit})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
    );
    // Never a queued row: it is still to be sent (or decided).
    const outboxRemoved = await deleteInBatches(
      tx as unknown as DB,
      (limit) => sql`
        WITH gone AS (
          DELETE FROM outbox WHERE id IN (
            SELECT id FROM outbox WHERE status <> 'queued' AND created_at < now() - make_interval(secs => ${OUTBOX_PRUNE_GRACE_SECONDS}) LIMIT ${limit})
          RETURNING 1)
        SELECT count(*)::int AS n FROM gone`,
    );
    return { ran: true, sessions: sessionsRemoved, rateLimits: rateLimitsRemoved, outbox: outboxRemoved };
  });
}

async function deleteInBatches(db: DB, statement: (limit: number) => ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const [row] = rows<{ n: number }>(await db.execute(statement(BATCH)));
    const n = Number(row?.n ?? 0);
    total += n;
    if (n < BATCH) return total;
  }
}

/**
 * PGlite has no autovacuum, so nothing refreshes the planner's statistics as tables grow, and a
 * statement kept planned (db/index.ts keepPlanned: the link lookup, a claim's statements) keeps the
 * plan Postgres chose for it, generic after its fifth run: made while a table was a page or two, that
 * plan scans the whole table (a claim's lock of its user row did, after 20,000 users were added).
 * An ANALYZE of a table drops every plan made on it. So this ANALYZEs each of the app's tables that
 * has grown by a fifth and by at least GROWN_PAGES pages since its last ANALYZE (as Postgres's
 * autovacuum would, by size rather than by counted changes), and returns their names. The server
 * runs it every minute on PGlite (lib/startup.ts); on Postgres autovacuum does this.
 */
export const GROWN_PAGES = 8;

export async function analyzeGrownTables(db: DB): Promise<string[]> {
  const grown = rows<{ name: string }>(
    await db.execute(sql`
      SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
        AND pg_relation_size(c.oid) / current_setting('block_size')::int >= greatest(c.relpages * 1.2, c.relpages + ${GROWN_PAGES})
      ORDER BY 1`),
  );
  // Names from the catalog, quoted as identifiers.
  for (const { name } of grown) await db.execute(sql`ANALYZE ${sql.identifier(name)}`);
  return grown.map((r) => r.name);
}
