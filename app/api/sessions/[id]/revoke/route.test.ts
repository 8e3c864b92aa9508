import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, sessions } from "@/db/schema";
import { createSession, sessionCookieName } from "@/lib/auth/session";
import { sha256Hex } from "@/lib/auth/tokens";
import { body, cookieFrom, createUserWithSession, request } from "@/lib/testing/api";
import { POST as login } from "../../../auth/login/route";
import { GET as me } from "../../../me/route";
import { GET as userSessions } from "../../../users/[id]/sessions/route";
import { PATCH as patchUser } from "../../../users/[id]/route";
import { GET as listOwn } from "../../route";
import { POST as revoke } from "./route";

type ErrorBody = { error: { code: string; message: string } };
type SessionJson = {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  authenticated_at: string;
  expires_at: string;
  current: boolean;
};
type Listed = { sessions: SessionJson[] };

const CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

const cookieOf = (token: string) => `${sessionCookieName()}=${token}`;
const tokenOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);
const meStatus = async (cookie: string) => (await me(request("/api/me", { cookie }))).status;

function revokeReq(id: string, cookie: string | undefined, init: { ip?: string; headers?: Record<string, string> } = {}) {
  return revoke(request(`/api/sessions/${id}/revoke`, { body: {}, cookie, ip: init.ip, headers: init.headers }), { params: Promise.resolve({ id }) });
}

function listFor(userId: string, cookie: string | undefined) {
  return userSessions(request(`/api/users/${userId}/sessions`, { cookie }), { params: Promise.resolve({ id: userId }) });
}

async function code(res: Response) {
  return (await body<ErrorBody>(res)).error.code;
}

async function sessionIdOf(token: string) {
  const db = await getDb();
  const [row] = await db.select({ id: sessions.id }).from(sessions).where(eq(sessions.tokenHash, sha256Hex(token)));
  return row.id;
}

async function revokedEvents(targetUserId: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, targetUserId), eq(auditEvents.action, "user.session_revoked")));
}

async function signIn(email: string, password: string, ip: string, userAgent = CHROME_LINUX) {
  const res = await login(request("/api/auth/login", { body: { email, password }, ip, headers: { "user-agent": userAgent } }));
  expect(res.status).toBe(200);
  return cookieFrom(res)!;
}

describe("POST /api/sessions/:id/revoke", () => {
  it("the owner ends another of their sessions: 204, that cookie is signed out, this one is not", async () => {
    const alice = await createUserWithSession("member");
    const db = await getDb();
    const phone = await createSession(db, alice.user.id, { ip: "203.0.113.20", userAgent: CHROME_LINUX });
    const phoneId = await sessionIdOf(phone.token);
    expect(await meStatus(cookieOf(phone.token))).toBe(200);

    const ua = "Mozilla/5.0 (revoke-test)";
    const res = await revokeReq(phoneId, alice.cookie, { ip: "203.0.113.21", headers: { "user-agent": ua } });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await meStatus(cookieOf(phone.token))).toBe(401);
    expect(await meStatus(alice.cookie)).toBe(200);

    const events = await revokedEvents(alice.user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: alice.user.id,
      targetUserId: alice.user.id,
      ip: "203.0.113.21",
      userAgent: ua,
      details: { by: "owner", session_id: phoneId, current: false, user_agent: "Chrome on Linux" },
    });
    const text = JSON.stringify(events);
    for (const secret of [phone.token, sha256Hex(phone.token), alice.token, sha256Hex(alice.token), alice.password]) expect(text).not.toContain(secret);

    // Gone from the list, and a second revoke finds nothing.
    const listed = await body<Listed>(await listOwn(request("/api/sessions", { cookie: alice.cookie })));
    expect(listed.sessions.map((s) => s.id)).not.toContain(phoneId);
    const again = await revokeReq(phoneId, alice.cookie);
    expect(again.status).toBe(404);
    expect(await code(again)).toBe("session_not_found");
    expect(await revokedEvents(alice.user.id)).toHaveLength(1);
  });

  it("ending the current session clears the cookie and signs this browser out", async () => {
    const alice = await createUserWithSession("member");
    const currentId = await sessionIdOf(alice.token);
    const res = await revokeReq(currentId, alice.cookie);
    expect(res.status).toBe(204);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(new RegExp(`^${sessionCookieName()}=; `));
    expect(setCookie).toContain("Max-Age=0");
    expect(setCookie).toContain("HttpOnly");
    expect(cookieFrom(res)).toBeNull();
    expect(await meStatus(alice.cookie)).toBe(401);
    const [event] = await revokedEvents(alice.user.id);
    expect(event.details).toMatchObject({ by: "owner", session_id: currentId, current: true });
  });

  it("another member cannot end someone's session: 404 session_not_found, and it keeps working", async () => {
    const alice = await createUserWithSession("member");
    const mallory = await createUserWithSession("member");
    const aliceId = await sessionIdOf(alice.token);
    const res = await revokeReq(aliceId, mallory.cookie);
    expect(res.status).toBe(404);
    expect(await code(res)).toBe("session_not_found");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await meStatus(alice.cookie)).toBe(200);
    expect(await meStatus(mallory.cookie)).toBe(200);
    const db = await getDb();
    const [row] = await db.select().from(sessions).where(eq(sessions.id, aliceId));
    expect(row.revokedAt).toBeNull();
    expect(await revokedEvents(alice.user.id)).toHaveLength(0);
  });

  it("an admin ends a member's session: 204, audited as by admin with no token or hash; the admin stays signed in", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const db = await getDb();
    const laptop = await createSession(db, member.user.id, { ip: "198.51.100.3", userAgent: CHROME_LINUX });
    const laptopId = await sessionIdOf(laptop.token);

    const res = await revokeReq(laptopId, admin.cookie, { ip: "203.0.113.30" });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(await meStatus(cookieOf(laptop.token))).toBe(401);
    expect(await meStatus(member.cookie)).toBe(200);
    expect(await meStatus(admin.cookie)).toBe(200);

    const events = await revokedEvents(member.user.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorUserId: admin.user.id,
      actorEmail: admin.user.email,
      targetUserId: member.user.id,
      targetEmail: member.user.email,
      ip: "203.0.113.30",
      details: { by: "admin", session_id: laptopId, current: false, user_agent: "Chrome on Linux" },
    });
    const [stored] = await db.select({ tokenHash: sessions.tokenHash }).from(sessions).where(eq(sessions.id, laptopId));
    const text = JSON.stringify(events);
    for (const secret of [laptop.token, stored.tokenHash, admin.token, sha256Hex(admin.token), member.token]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/token|hash|password/i);
  });

  it("404 session_not_found for an unknown, malformed, revoked or expired id; 401 signed out; 403 cross-site", async () => {
    const alice = await createUserWithSession("member");
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const expired = await createSession(db, alice.user.id);
    const expiredId = await sessionIdOf(expired.token);
    await db.update(sessions).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(sessions.id, expiredId));

    for (const cookie of [alice.cookie, admin.cookie]) {
      for (const id of [randomUUID(), "not-a-uuid", "00000000-0000-0000-0000-00000000000", expiredId]) {
        const res = await revokeReq(id, cookie);
        expect(res.status, id).toBe(404);
        expect(await code(res)).toBe("session_not_found");
      }
    }

    const anonymous = await revokeReq(await sessionIdOf(alice.token), undefined);
    expect(anonymous.status).toBe(401);
    const crossSite = await revokeReq(await sessionIdOf(alice.token), alice.cookie, { headers: { origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect(await code(crossSite)).toBe("csrf_rejected");
    expect(await meStatus(alice.cookie)).toBe(200);
    expect(await revokedEvents(alice.user.id)).toHaveLength(0);
  });

  it("an admin demoted to member can no longer end others' sessions", async () => {
    const a = await createUserWithSession("admin");
    const b = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const patched = await patchUser(request(`/api/users/${a.user.id}`, { method: "PATCH", body: { role: "member" }, cookie: b.cookie }), {
      params: Promise.resolve({ id: a.user.id }),
    });
    expect(patched.status).toBe(200);
    const res = await revokeReq(await sessionIdOf(member.token), a.cookie);
    expect(res.status).toBe(404);
    expect(await code(res)).toBe("session_not_found");
    expect(await meStatus(member.cookie)).toBe(200);
  });
});

describe("GET /api/users/:id/sessions and GET /api/sessions", () => {
  it("an admin sees a member's live sessions with where they came from, and no token or hash", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const db = await getDb();
    const fromLogin = await signIn(member.user.email, member.password, "203.0.113.77");
    const gone = await createSession(db, member.user.id);
    await db.update(sessions).set({ revokedAt: sql`now()` }).where(eq(sessions.tokenHash, sha256Hex(gone.token)));

    const res = await listFor(member.user.id, admin.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.clone().text();
    expect(text).not.toMatch(/token|hash/i);
    const rows = await db.select({ tokenHash: sessions.tokenHash }).from(sessions).where(eq(sessions.userId, member.user.id));
    for (const r of rows) expect(text).not.toContain(r.tokenHash);
    for (const t of [member.token, tokenOf(fromLogin), gone.token]) expect(text).not.toContain(t);

    const { sessions: listed } = await body<Listed>(res);
    // The one from createUserWithSession and the one from signing in; not the revoked one.
    expect(listed).toHaveLength(2);
    for (const s of listed) {
      expect(Object.keys(s).sort()).toEqual(["authenticated_at", "created_at", "current", "expires_at", "id", "ip", "last_used_at", "user_agent"]);
      expect(s.current).toBe(false);
      for (const k of ["created_at", "last_used_at", "authenticated_at", "expires_at"] as const) expect(Number.isNaN(Date.parse(s[k]))).toBe(false);
    }
    const loginId = await sessionIdOf(tokenOf(fromLogin));
    const viaLogin = listed.find((s) => s.id === loginId)!;
    expect(viaLogin).toMatchObject({ user_agent: "Chrome on Linux", ip: "203.0.113.77", current: false });
    const plain = listed.find((s) => s.id !== loginId)!;
    expect(plain).toMatchObject({ id: await sessionIdOf(member.token), user_agent: null, ip: null });
    expect(listed.map((s) => s.id)).not.toContain(await sessionIdOf(gone.token));

    // The admin's own list is about the admin; the member's list never marks the admin's session.
    const own = await body<Listed>(await listFor(admin.user.id, admin.cookie));
    expect(own.sessions.map((s) => [s.id, s.current])).toEqual([[await sessionIdOf(admin.token), true]]);
  });

  it("404 user_not_found for an unknown or malformed user; 403 for a member; 401 signed out", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    for (const id of [randomUUID(), "not-a-uuid"]) {
      const res = await listFor(id, admin.cookie);
      expect(res.status, id).toBe(404);
      expect(await code(res)).toBe("user_not_found");
    }
    const asMember = await listFor(admin.user.id, member.cookie);
    expect(asMember.status).toBe(403);
    expect(await code(asMember)).toBe("forbidden");
    expect((await listFor(member.user.id, undefined)).status).toBe(401);
  });

  it("GET /api/sessions shows the user-agent description and the IP the sign-in came from", async () => {
    const alice = await createUserWithSession("member");
    const cookie = await signIn(alice.user.email, alice.password, "203.0.113.88");
    const res = await listOwn(request("/api/sessions", { cookie, ip: "198.51.100.200", headers: { "user-agent": "curl/8.0" } }));
    expect(res.status).toBe(200);
    const { sessions: listed } = await body<Listed>(res);
    const current = listed.find((s) => s.current)!;
    expect(current).toMatchObject({ id: await sessionIdOf(tokenOf(cookie)), user_agent: "Chrome on Linux", ip: "203.0.113.88" });
    // Only the description is stored, never the whole header.
    const db = await getDb();
    const [row] = await db.select().from(sessions).where(eq(sessions.id, current.id));
    expect(row.userAgent).toBe("Chrome on Linux");
    expect(JSON.stringify(listed)).not.toContain("AppleWebKit");
    // A fresh sign-in: the password was proven when the session began; it ends no later than its expiry.
    expect(Math.abs(Date.parse(current.authenticated_at) - Date.parse(current.created_at))).toBeLessThan(5_000);
    expect(Date.parse(current.expires_at)).toBeLessThanOrEqual(row.expiresAt.getTime());
    expect(Date.parse(current.expires_at)).toBeGreaterThan(Date.parse(current.last_used_at));
  });
});
