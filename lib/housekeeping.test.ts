import { randomUUID } from "node:crypto";
import { inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DB } from "../db";
import { auditEvents, invitations, outbox, rateLimits, sessions } from "../db/schema";
import { sha256Hex } from "./auth/tokens";
import { env } from "./env";
import { PRUNE_LOCK_ID, pruneExpired, SESSION_PRUNE_GRACE_SECONDS } from "./housekeeping";
import { createUserWithSession, inviteUser } from "./testing/api";
import { dropFreshDatabases, freshDatabase } from "./testing/fresh-db";
import { raceBehindLocks } from "./testing/overlap";
import { rows } from "./rate-limit";

// pruneExpired (lib/housekeeping.ts): what goes, what stays, and one instance per round. The counts
// are this file's own rows: on PGlite each file has its own database, on Postgres the file asks for
// an empty one (the run shares one database). Every test leaves nothing prunable behind.

const onPostgres = Boolean(process.env.DATABASE_URL);
const DAY = 86400;

beforeAll(async () => {
  if (onPostgres) await freshDatabase();
});
afterAll(dropFreshDatabases);

/** A session whose times are given in seconds relative to now (negative: in the past). */
async function session(db: DB, userId: string, t: { expires: number; lastUsed: number; revoked?: number }) {
  const at = (s: number) => sql`now() + make_interval(secs => ${s})`;
  const [row] = await db
    .insert(sessions)
    .values({
      userId,
      tokenHash: sha256Hex(randomUUID()),
      createdAt: sql`now() - interval '120 days'`,
      authenticatedAt: sql`now() - interval '120 days'`,
      expiresAt: at(t.expires),
      lastUsedAt: at(t.lastUsed),
      revokedAt: t.revoked === undefined ? null : at(t.revoked),
    })
    .returning({ id: sessions.id });
  return row.id;
}

async function seed() {
  const db = await getDb();
  const idle = env().SESSION_IDLE_SECONDS;
  const grace = SESSION_PRUNE_GRACE_SECONDS;
  const { user } = await createUserWithSession("member");
  const keep = {
    live: await session(db, user.id, { expires: 5 * DAY, lastUsed: -60 }),
    revokedRecently: await session(db, user.id, { expires: 5 * DAY, lastUsed: -DAY, revoked: -DAY }),
    expiredRecently: await session(db, user.id, { expires: -DAY, lastUsed: -2 * DAY }),
    // Ended by idling (last use + SESSION_IDLE_SECONDS) a day ago: still within the grace period.
    idledRecently: await session(db, user.id, { expires: 5 * DAY, lastUsed: -(idle + DAY) }),
  };
  const gone = {
    revokedLongAgo: await session(db, user.id, { expires: 5 * DAY, lastUsed: -(grace + 2 * DAY), revoked: -(grace + DAY) }),
    expiredLongAgo: await session(db, user.id, { expires: -(grace + DAY), lastUsed: -(grace + 2 * DAY) }),
    // Its absolute end is still ahead, but it idled out more than the grace period ago.
    idledLongAgo: await session(db, user.id, { expires: 5 * DAY, lastUsed: -(idle + grace + DAY) }),
  };
  const counters = { live: randomUUID(), expired: [randomUUID(), randomUUID()] };
  await db.insert(rateLimits).values([
    { key: counters.expired[0], count: 3, resetAt: sql`now() - interval '1 second'` },
    { key: counters.expired[1], count: 9, resetAt: sql`now() - interval '40 days'` },
    { key: counters.live, count: 1, resetAt: sql`now() + interval '10 minutes'` },
  ]);
  // Invitations never go, however old: expired, revoked, accepted long ago.
  const expired = await inviteUser(undefined, "member", 1);
  const revoked = await inviteUser();
  await db.execute(sql`
    UPDATE invitations SET created_at = now() - interval '400 days', expires_at = now() - interval '399 days'
    WHERE id = ${expired.id}`);
  await db.execute(sql`
    UPDATE invitations SET created_at = now() - interval '400 days', revoked_at = now() - interval '399 days'
    WHERE id = ${revoked.id}`);
  return { db, keep, gone, counters, invitationIds: [expired.id, revoked.id] };
}

async function fingerprint(db: DB) {
  const [r] = rows<{ n: number; ids: string }>(
    await db.execute(sql`SELECT count(*)::int AS n, md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS ids FROM audit_events`),
  );
  const inv = await db.select().from(invitations).orderBy(invitations.id);
  return { audit: r, invitations: inv };
}

describe("pruneExpired", () => {
  it("removes sessions ended (revoked, expired or idle) more than the grace period ago and expired counters; keeps the rest", async () => {
    const { db, keep, gone, counters, invitationIds } = await seed();
    const before = await fingerprint(db);
    expect(before.audit.n).toBeGreaterThan(0);

    expect(await pruneExpired(db)).toEqual({ ran: true, sessions: 3, rateLimits: 2, outbox: 0 });

    const left = (await db.select({ id: sessions.id }).from(sessions)).map((s) => s.id);
    for (const id of Object.values(keep)) expect(left).toContain(id);
    for (const id of Object.values(gone)) expect(left).not.toContain(id);
    const keys = (await db.select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key);
    expect(keys).toContain(counters.live);
    for (const key of counters.expired) expect(keys).not.toContain(key);
    // Invitations and the audit trail exactly as they were.
    const after = await fingerprint(db);
    expect(after).toEqual(before);
    expect(await db.select({ id: invitations.id }).from(invitations).where(inArray(invitations.id, invitationIds))).toHaveLength(2);
    expect(await db.$count(auditEvents)).toBe(before.audit.n);

    // A second round finds nothing more.
    expect(await pruneExpired(db)).toEqual({ ran: true, sessions: 0, rateLimits: 0, outbox: 0 });
  });

  it("deletes finished outbox rows made more than 30 days ago; never a queued one, nor a recent one", async () => {
    const db = await getDb();
    const row = (status: string, daysAgo: number) => ({
      id: randomUUID(),
      kind: "password_changed",
      recipient: "someone@example.com",
      addressHash: "0".repeat(64),
      messageId: `<${randomUUID()}@localhost>`,
      status,
      createdAt: sql`now() - make_interval(days => ${daysAgo})`,
    });
    const rowsIn = [row("sent", 31), row("failed", 40), row("cancelled", 31), row("dropped", 31), row("queued", 60), row("sent", 29)];
    await db.insert(outbox).values(rowsIn);
    expect(await pruneExpired(db)).toEqual({ ran: true, sessions: 0, rateLimits: 0, outbox: 4 });
    const left = await db.select({ status: outbox.status }).from(outbox).where(inArray(outbox.id, rowsIn.map((r) => r.id)));
    expect(left.map((r) => r.status).sort()).toEqual(["queued", "sent"]);
    await db.delete(outbox).where(inArray(outbox.id, rowsIn.map((r) => r.id)));
  });

  it("counts an idled session from its last use, with the current SESSION_IDLE_SECONDS", async () => {
    const saved = process.env.SESSION_IDLE_SECONDS;
    process.env.SESSION_IDLE_SECONDS = "3600";
    try {
      const db = await getDb();
      const { user } = await createUserWithSession("member");
      const grace = 7 * DAY;
      const idledJustOver = await session(db, user.id, { expires: 5 * DAY, lastUsed: -(3600 + grace + 60) });
      const idledJustUnder = await session(db, user.id, { expires: 5 * DAY, lastUsed: -(3600 + grace - 60) });
      expect(await pruneExpired(db, { graceSeconds: grace })).toMatchObject({ ran: true, sessions: 1 });
      const left = (await db.select({ id: sessions.id }).from(sessions)).map((s) => s.id);
      expect(left).not.toContain(idledJustOver);
      expect(left).toContain(idledJustUnder);
    } finally {
      if (saved === undefined) delete process.env.SESSION_IDLE_SECONDS;
      else process.env.SESSION_IDLE_SECONDS = saved;
    }
  });

  it("two prunes at once: one does the work, the other finds nothing to do (on Postgres: skips, lock taken)", async () => {
    const { db, gone } = await seed();
    // Both start while another transaction holds a lock their DELETE needs, so on Postgres they
    // really overlap: the first to take the advisory lock waits on the table, the second must skip.
    const results = await raceBehindLocks(
      (tx) => tx.execute(sql`LOCK TABLE sessions IN SHARE MODE`),
      () => Promise.all([pruneExpired(db), pruneExpired(db)]),
    );
    const worked = results.filter((r) => r.sessions + r.rateLimits > 0);
    expect(worked).toEqual([{ ran: true, sessions: 3, rateLimits: 2, outbox: 0 }]);
    const idle = results.find((r) => r !== worked[0])!;
    // On PGlite (one connection, transactions take turns) the second simply ran after the first.
    expect(idle).toEqual(onPostgres ? { ran: false, sessions: 0, rateLimits: 0, outbox: 0 } : { ran: true, sessions: 0, rateLimits: 0, outbox: 0 });
    const left = (await db.select({ id: sessions.id }).from(sessions)).map((s) => s.id);
    for (const id of Object.values(gone)) expect(left).not.toContain(id);
  });

  it.skipIf(!onPostgres)("skips at once, deleting nothing, while another instance holds the lock", async () => {
    const { db } = await seed();
    // Another connection holds the lock for the whole of this transaction; a prune that waited for
    // it instead of skipping would never return (the test would time out).
    await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${sql.raw(String(PRUNE_LOCK_ID))})`);
      expect(await pruneExpired(db)).toEqual({ ran: false, sessions: 0, rateLimits: 0, outbox: 0 });
    });
    expect(await pruneExpired(db)).toEqual({ ran: true, sessions: 3, rateLimits: 2, outbox: 0 });
  });
});
