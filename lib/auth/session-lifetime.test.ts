import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sessions } from "@/db/schema";
import { env } from "../env";
import { rows } from "../rate-limit";
import { createUserWithSession } from "../testing/api";
import { createSession, listUserSessions, revokeOtherSessions, revokeSession, validateSessionToken } from "./session";
import { sha256Hex } from "./tokens";

// Session lifetime (lib/auth/session.ts): an absolute end that is never extended, an idle timeout
// (SESSION_IDLE_SECONDS), last_used_at refreshed at most once a minute, and `fresh` from
// authenticated_at (REAUTH_MAX_AGE_SECONDS). Times are compared by the database's clock.

const saved = {
  SESSION_IDLE_SECONDS: process.env.SESSION_IDLE_SECONDS,
  REAUTH_MAX_AGE_SECONDS: process.env.REAUTH_MAX_AGE_SECONDS,
};
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

type Times = { id: string; expires_at: string; last_used_at: string; authenticated_at: string; created_at: string; age_last_used: number; age_authenticated: number };

/** The session's timestamps as the database has them (text, full precision) and their ages in seconds. */
async function times(token: string): Promise<Times> {
  const db = await getDb();
  const [row] = rows<Times>(
    await db.execute(sql`
      SELECT id, expires_at::text, last_used_at::text, authenticated_at::text, created_at::text,
        extract(epoch FROM now() - last_used_at)::float8 AS age_last_used,
        extract(epoch FROM now() - authenticated_at)::float8 AS age_authenticated
      FROM sessions WHERE token_hash = ${sha256Hex(token)}`),
  );
  return { ...row, age_last_used: Number(row.age_last_used), age_authenticated: Number(row.age_authenticated) };
}

async function setLastUsed(token: string, secondsAgo: number) {
  const db = await getDb();
  await db
    .update(sessions)
    .set({ lastUsedAt: sql`now() - make_interval(secs => ${secondsAgo})` })
    .where(eq(sessions.tokenHash, sha256Hex(token)));
}

async function newSession(origin?: { ip?: string; userAgent?: string }) {
  const { user } = await createUserWithSession("member");
  const db = await getDb();
  const s = await createSession(db, user.id, origin);
  return { db, user, ...s };
}

describe("idle timeout (SESSION_IDLE_SECONDS)", () => {
  it("refuses a session unused for longer than the idle limit, keeps one used within it", async () => {
    process.env.SESSION_IDLE_SECONDS = "60";
    const { db, user, token } = await newSession();

    await setLastUsed(token, 20);
    const ok = await validateSessionToken(db, token);
    expect(ok?.user.id).toBe(user.id);
    // Used 20 s ago: not refreshed (with a 60 s idle limit, every half of it: 30 s), still listed.
    expect((await times(token)).age_last_used).toBeGreaterThanOrEqual(19);
    expect((await listUserSessions(db, user.id, null)).map((s) => s.id)).toContain(ok!.sessionId);
    // Used 31 s ago: refreshed, so a session in use never ends more than 30 s early.
    await setLastUsed(token, 31);
    expect(await validateSessionToken(db, token)).not.toBeNull();
    expect((await times(token)).age_last_used).toBeLessThan(5);

    await setLastUsed(token, 61);
    expect(await validateSessionToken(db, token)).toBeNull();
    // Refusing does not revive it: last_used_at stays where it was.
    expect((await times(token)).age_last_used).toBeGreaterThanOrEqual(60);
    expect(await validateSessionToken(db, token)).toBeNull();
    expect((await listUserSessions(db, user.id, null)).map((s) => s.id)).not.toContain(ok!.sessionId);
  });

  it("a session that ended by idling cannot be revoked again (404), nor counted by sign-out-everywhere-else", async () => {
    process.env.SESSION_IDLE_SECONDS = "60";
    const { db, user, token } = await newSession();
    const { id } = await times(token);
    // Every session of the user idles out (createUserWithSession made one too), then one new one.
    await db.update(sessions).set({ lastUsedAt: sql`now() - interval '120 seconds'` }).where(eq(sessions.userId, user.id));
    const keep = await createSession(db, user.id);
    expect(await revokeSession(db, { sessionId: id, actorUserId: user.id, currentSessionId: "" })).toEqual({ ok: false, reason: "session_not_found" });
    const keepId = (await times(keep.token)).id;
    expect(await revokeOtherSessions(db, user.id, keepId)).toBe(0);
  });

  it("defaults to a day: 23 hours idle is fine, 25 hours is not", async () => {
    delete process.env.SESSION_IDLE_SECONDS;
    expect(env().SESSION_IDLE_SECONDS).toBe(86400);
    const { db, token } = await newSession();
    await setLastUsed(token, 23 * 3600);
    expect(await validateSessionToken(db, token)).not.toBeNull();
    await setLastUsed(token, 25 * 3600);
    expect(await validateSessionToken(db, token)).toBeNull();
  });

  it("refuses an idle limit under 60 seconds", () => {
    process.env.SESSION_IDLE_SECONDS = "59";
    expect(() => env()).toThrow(/SESSION_IDLE_SECONDS/);
    process.env.SESSION_IDLE_SECONDS = "60";
    expect(env().SESSION_IDLE_SECONDS).toBe(60);
  });

  it("a listed session ends at whichever comes first: its absolute end or last use + idle limit", async () => {
    process.env.SESSION_IDLE_SECONDS = "600";
    const { db, user, token } = await newSession();
    const { id } = await times(token);
    const find = async () => (await listUserSessions(db, user.id, null)).find((s) => s.id === id)!;
    const mine = await find();
    expect(mine.endsAt.getTime() - mine.lastUsedAt.getTime()).toBe(600_000);
    // With the absolute end sooner than that, it is the absolute end.
    await db.update(sessions).set({ expiresAt: sql`now() + interval '5 minutes'` }).where(eq(sessions.id, id));
    const [stored] = await db.select().from(sessions).where(eq(sessions.id, id));
    const tokenRow = await find();
    expect(tokenRow.endsAt.getTime()).toBe(stored.expiresAt.getTime());
  });
});

describe("absolute end, never extended", () => {
  it("validating a session (even one whose last use is refreshed) leaves expires_at unchanged", async () => {
    const { db, token } = await newSession();
    await db.update(sessions).set({ expiresAt: sql`now() + interval '10 minutes'` }).where(eq(sessions.tokenHash, sha256Hex(token)));
    const before = await times(token);

    const first = await validateSessionToken(db, token);
    expect(first).not.toBeNull();
    expect((await times(token)).expires_at).toBe(before.expires_at);

    // Force the once-a-minute refresh of last_used_at: still no extension.
    await setLastUsed(token, 61);
    const second = await validateSessionToken(db, token);
    expect(second).not.toBeNull();
    const after = await times(token);
    expect(after.expires_at).toBe(before.expires_at);
    expect(after.age_last_used).toBeLessThan(5);
    expect(second!.expiresAt.getTime()).toBe(first!.expiresAt.getTime());
  });

  it("createSession ends a session SESSION_TTL_SECONDS after it starts", async () => {
    const { db, token, expiresAt } = await newSession();
    const s = await validateSessionToken(db, token);
    expect(s!.expiresAt.getTime()).toBe(expiresAt.getTime());
    expect(Math.abs(expiresAt.getTime() - (Date.now() + env().SESSION_TTL_SECONDS * 1000))).toBeLessThan(60_000);
  });
});

describe("last_used_at: refreshed at most once a minute", () => {
  it("two validations in a row do not write it; one after 61 s idle does", async () => {
    const { db, token } = await newSession();
    const start = await times(token);
    await validateSessionToken(db, token);
    await validateSessionToken(db, token);
    expect((await times(token)).last_used_at).toBe(start.last_used_at);

    // 59 s ago: still not refreshed.
    await setLastUsed(token, 59);
    const at59 = await times(token);
    await validateSessionToken(db, token);
    expect((await times(token)).last_used_at).toBe(at59.last_used_at);

    // 61 s ago: refreshed to now, once.
    await setLastUsed(token, 61);
    const stale = await times(token);
    expect(stale.age_last_used).toBeGreaterThanOrEqual(60);
    await validateSessionToken(db, token);
    const refreshed = await times(token);
    expect(refreshed.last_used_at).not.toBe(stale.last_used_at);
    expect(refreshed.age_last_used).toBeLessThan(5);
    await validateSessionToken(db, token);
    expect((await times(token)).last_used_at).toBe(refreshed.last_used_at);
  });
});

describe("authenticated_at and fresh (REAUTH_MAX_AGE_SECONDS)", () => {
  it("createSession sets authenticated_at to now, with the ip and a short user-agent description", async () => {
    const { db, token } = await newSession({
      ip: "203.0.113.9",
      userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    });
    const t = await times(token);
    expect(t.age_authenticated).toBeGreaterThanOrEqual(0);
    expect(t.age_authenticated).toBeLessThan(5);
    expect(t.authenticated_at).toBe(t.created_at);
    const [row] = await db.select().from(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
    expect(row).toMatchObject({ ip: "203.0.113.9", userAgent: "Safari on macOS" });
    expect((await validateSessionToken(db, token))!.fresh).toBe(true);
  });

  it("a session is fresh within the window, stale after it, and still valid either way", async () => {
    const { db, user, token } = await newSession();
    const set = async (secondsAgo: number) =>
      db
        .update(sessions)
        .set({ authenticatedAt: sql`now() - make_interval(secs => ${secondsAgo})` })
        .where(eq(sessions.tokenHash, sha256Hex(token)));

    // Default 15 minutes.
    delete process.env.REAUTH_MAX_AGE_SECONDS;
    await set(14 * 60);
    expect((await validateSessionToken(db, token))!.fresh).toBe(true);
    await set(16 * 60);
    const stale = await validateSessionToken(db, token);
    expect(stale).toMatchObject({ fresh: false, user: { id: user.id } });

    // A small window from the environment.
    process.env.REAUTH_MAX_AGE_SECONDS = "30";
    await set(20);
    expect((await validateSessionToken(db, token))!.fresh).toBe(true);
    await set(40);
    expect((await validateSessionToken(db, token))!.fresh).toBe(false);

    process.env.REAUTH_MAX_AGE_SECONDS = "0";
    expect(() => env()).toThrow(/REAUTH_MAX_AGE_SECONDS/);
  });
});
