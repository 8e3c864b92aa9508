import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, sessions, users } from "@/db/schema";
import { createSession, sessionCookieName } from "@/lib/auth/session";
import { body, cookieFrom, createUserWithSession, request, strongPassword } from "@/lib/testing/api";
import { POST as login } from "../../auth/login/route";
import { GET as me } from "../route";
import { POST as changePassword } from "./route";
import { bcryptCounter } from "@/lib/testing/bcrypt-count";

// Counts bcrypt comparisons (lib/auth/password.ts verifyPassword → the hashing pool), as login's test does.
const bcryptCalls = bcryptCounter();

beforeEach(() => {
  bcryptCalls.compare = 0;
});

type ErrorBody = { error: { code: string; message: string } };

/** A distinct client address per request unless named, so rate-limit counters never carry over. */
function freshIp(): string {
  const b = randomUUID().replaceAll("-", "");
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

function changeRequest(payload: unknown, init: { cookie?: string; ip?: string; headers?: Record<string, string> } = {}) {
  return request("/api/me/password", { body: payload, cookie: init.cookie, ip: init.ip ?? freshIp(), headers: init.headers });
}

const cookieOf = (token: string) => `${sessionCookieName()}=${token}`;
const meStatus = async (cookie: string) => (await me(request("/api/me", { cookie }))).status;
const loginStatus = async (email: string, password: string) => (await login(request("/api/auth/login", { body: { email, password }, ip: freshIp() }))).status;

async function userRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

async function liveSessions(userId: string) {
  const db = await getDb();
  return db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

async function events(userId: string, action: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), eq(auditEvents.action, action)));
}

describe("POST /api/me/password", () => {
  it("204 with a new session cookie; the old token, every other session and the old password stop working", async () => {
    const alice = await createUserWithSession("member");
    const bob = await createUserWithSession("member");
    const db = await getDb();
    const laptop = await createSession(db, alice.user.id);
    const phone = await createSession(db, alice.user.id);
    const next = strongPassword();
    const ua = "Mozilla/5.0 (password-change-test)";

    const res = await changePassword(changeRequest({ current_password: alice.password, new_password: next }, { cookie: alice.cookie, ip: "203.0.113.9", headers: { "user-agent": ua } }));
    expect(res.status).toBe(204);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(bcryptCalls.compare).toBe(1);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    const fresh = cookieFrom(res)!;
    expect(fresh).not.toBe(alice.cookie);

    expect(await meStatus(fresh)).toBe(200);
    expect(await meStatus(alice.cookie)).toBe(401);
    for (const s of [laptop, phone]) expect(await meStatus(cookieOf(s.token))).toBe(401);
    expect(await liveSessions(alice.user.id)).toHaveLength(1);
    // Someone else's session is untouched.
    expect(await meStatus(bob.cookie)).toBe(200);

    expect(await loginStatus(alice.user.email, next)).toBe(200);
    expect(await loginStatus(alice.user.email, alice.password)).toBe(401);

    // One event, with who, where from and how many sessions ended; no secret.
    const changed = await events(alice.user.id, "user.password_changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ actorUserId: alice.user.id, actorEmail: alice.user.email, ip: "203.0.113.9", userAgent: ua, details: { revoked_sessions: 3 } });
    const row = await userRow(alice.user.id);
    const text = JSON.stringify(changed);
    for (const secret of [alice.password, next, alice.token, laptop.token, phone.token, fresh.split("=")[1], row.passwordHash!, alice.user.passwordHash!]) {
      expect(text).not.toContain(secret);
    }
  });

  it("a wrong current password → 401 invalid_credentials after exactly one bcrypt comparison, nothing changed", async () => {
    const alice = await createUserWithSession("member");
    const before = await userRow(alice.user.id);
    const res = await changePassword(changeRequest({ current_password: "not-my-password-at-all", new_password: strongPassword() }, { cookie: alice.cookie }));
    expect(res.status).toBe(401);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_credentials");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(bcryptCalls.compare).toBe(1);
    expect((await userRow(alice.user.id)).passwordHash).toBe(before.passwordHash);
    expect(await meStatus(alice.cookie)).toBe(200);
    expect(await events(alice.user.id, "user.password_changed")).toHaveLength(0);
    const failed = await events(alice.user.id, "user.password_change_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0].details).toEqual({ reason: "invalid_credentials" });
    expect(JSON.stringify(failed)).not.toContain("not-my-password-at-all");
  });

  it("the same password again → 400 weak_password naming the rule; one comparison, nothing changed", async () => {
    const alice = await createUserWithSession("member");
    const res = await changePassword(changeRequest({ current_password: alice.password, new_password: alice.password }, { cookie: alice.cookie }));
    expect(res.status).toBe(400);
    const err = await body<ErrorBody>(res);
    expect(err.error.code).toBe("weak_password");
    expect(err.error.message).toMatch(/different from your current/);
    expect(bcryptCalls.compare).toBe(1);
    expect((await userRow(alice.user.id)).passwordHash).toBe(alice.user.passwordHash);
    expect(await meStatus(alice.cookie)).toBe(200);
  });

  it("a new password the policy refuses → 400 weak_password with the policy's message; nothing changed", async () => {
    const alice = await createUserWithSession("member");
    const cases: [string, RegExp][] = [
      ["short", /at least 12 characters/],
      ["password1234", /too easy to guess/],
      [`${alice.user.email.split("@")[0]}-Harbor-Quartz!`, /email address/],
      ["x".repeat(257), /at most 256 characters/],
    ];
    for (const [weak, rule] of cases) {
      const res = await changePassword(changeRequest({ current_password: alice.password, new_password: weak }, { cookie: alice.cookie }));
      expect(res.status, weak).toBe(400);
      const err = await body<ErrorBody>(res);
      expect(err.error.code).toBe("weak_password");
      expect(err.error.message).toMatch(rule);
    }
    expect(bcryptCalls.compare).toBe(cases.length);
    expect((await userRow(alice.user.id)).passwordHash).toBe(alice.user.passwordHash);
    expect(await meStatus(alice.cookie)).toBe(200);
  });

  it("missing, wrongly typed or oversized fields → 400 invalid_request, before any bcrypt work", async () => {
    const alice = await createUserWithSession("member");
    for (const payload of [{}, { current_password: alice.password }, { new_password: strongPassword() }, { current_password: 1, new_password: strongPassword() }, { current_password: alice.password, new_password: "" }, { current_password: "x".repeat(4097), new_password: strongPassword() }]) {
      const res = await changePassword(changeRequest(payload, { cookie: alice.cookie }));
      expect(res.status, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
    }
    expect(bcryptCalls.compare).toBe(0);
  });

  it("not signed in → 401; a cross-site request → 403 csrf_rejected; nothing changed", async () => {
    const alice = await createUserWithSession("member");
    const payload = { current_password: alice.password, new_password: strongPassword() };
    const anonymous = await changePassword(changeRequest(payload));
    expect(anonymous.status).toBe(401);
    expect((await body<ErrorBody>(anonymous)).error.code).toBe("unauthorized");
    const crossSite = await changePassword(changeRequest(payload, { cookie: alice.cookie, headers: { origin: "https://evil.example" } }));
    expect(crossSite.status).toBe(403);
    expect((await body<ErrorBody>(crossSite)).error.code).toBe("csrf_rejected");
    expect(bcryptCalls.compare).toBe(0);
    expect((await userRow(alice.user.id)).passwordHash).toBe(alice.user.passwordHash);
    expect(await meStatus(alice.cookie)).toBe(200);
  });

  it("a failure inside the transaction (the session insert) rolls everything back", async () => {
    const alice = await createUserWithSession("member");
    const db = await getDb();
    const other = await createSession(db, alice.user.id);
    const fn = `fail_pwchange_session_${alice.user.id.replaceAll("-", "")}`;
    await db.execute(sql.raw(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger AS $$
      BEGIN IF NEW.user_id = '${alice.user.id}' THEN RAISE EXCEPTION 'session minting failed'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`));
    await db.execute(sql.raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION ${fn}()`));
    const next = strongPassword();
    try {
      const res = await changePassword(changeRequest({ current_password: alice.password, new_password: next }, { cookie: alice.cookie }));
      expect(res.status).toBe(500);
      expect(JSON.stringify(await body(res))).not.toMatch(/session minting failed/);
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER ${fn} ON sessions`));
      await db.execute(sql.raw(`DROP FUNCTION ${fn}()`));
    }
    expect((await userRow(alice.user.id)).passwordHash).toBe(alice.user.passwordHash);
    expect(await liveSessions(alice.user.id)).toHaveLength(2);
    expect(await meStatus(alice.cookie)).toBe(200);
    expect(await meStatus(cookieOf(other.token))).toBe(200);
    expect(await events(alice.user.id, "user.password_changed")).toHaveLength(0);
    expect(await loginStatus(alice.user.email, alice.password)).toBe(200);
    expect(await loginStatus(alice.user.email, next)).toBe(401);
  });
});

describe("POST /api/me/password rate limit (per IP and user)", () => {
  const saved = process.env.RATE_LIMIT_PASSWORD_CHANGE_IP_USER;
  beforeEach(() => {
    process.env.RATE_LIMIT_PASSWORD_CHANGE_IP_USER = "3/900";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.RATE_LIMIT_PASSWORD_CHANGE_IP_USER;
    else process.env.RATE_LIMIT_PASSWORD_CHANGE_IP_USER = saved;
  });

  it("429 rate_limited with Retry-After after the limit, without bcrypt work; another IP or user is not affected", async () => {
    const alice = await createUserWithSession("member");
    const bob = await createUserWithSession("member");
    const ip = freshIp();
    const wrong = { current_password: "wrong-password-123", new_password: strongPassword() };
    for (let i = 0; i < 3; i++) expect((await changePassword(changeRequest(wrong, { cookie: alice.cookie, ip }))).status).toBe(401);
    expect(bcryptCalls.compare).toBe(3);
    const limited = await changePassword(changeRequest({ current_password: alice.password, new_password: strongPassword() }, { cookie: alice.cookie, ip }));
    expect(limited.status).toBe(429);
    expect((await body<ErrorBody>(limited)).error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(bcryptCalls.compare).toBe(3);
    expect((await userRow(alice.user.id)).passwordHash).toBe(alice.user.passwordHash);
    // The same user from another address, and another user from this one, still may.
    expect((await changePassword(changeRequest({ current_password: bob.password, new_password: strongPassword() }, { cookie: bob.cookie, ip }))).status).toBe(204);
    expect((await changePassword(changeRequest({ current_password: alice.password, new_password: strongPassword() }, { cookie: alice.cookie }))).status).toBe(204);
  });
});
