import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, sessions, users } from "@/db/schema";
import { sha256Hex } from "@/lib/auth/tokens";
import { body, createUserWithSession, inviteUser, request, uniqueEmail } from "@/lib/testing/api";
import { POST as createInvitationRoute } from "../../invitations/route";
import { POST as reissue } from "../../invitations/[id]/reissue/route";
import { GET as me } from "../../me/route";
import { GET as getToken } from "../../onboarding/get_token/route";
import { PATCH as patchUser } from "../../users/[id]/route";
import { POST as resetUser } from "../../users/[id]/reset/route";
import { POST as login } from "../login/route";
import { POST as logout } from "../logout/route";
import { POST as reauth } from "./route";
import { bcryptCounter } from "@/lib/testing/bcrypt-count";

// Counts bcrypt comparisons (lib/auth/password.ts verifyPassword → the hashing pool), as login's test does.
const bcryptCalls = bcryptCounter();

type ErrorBody = { error: { code: string; message: string } };
type MeBody = { user: { id: string }; session: { id: string; fresh: boolean; expires_at: string } };
type Issued = { invitation: { id: string; email: string; role: string; kind: string; url: string; expires_at: string } };

const savedReauthAge = process.env.REAUTH_MAX_AGE_SECONDS;
const savedIpEmailLimit = process.env.RATE_LIMIT_LOGIN_IP_EMAIL;
beforeEach(() => {
  bcryptCalls.compare = 0;
});
afterEach(() => {
  if (savedReauthAge === undefined) delete process.env.REAUTH_MAX_AGE_SECONDS;
  else process.env.REAUTH_MAX_AGE_SECONDS = savedReauthAge;
  if (savedIpEmailLimit === undefined) delete process.env.RATE_LIMIT_LOGIN_IP_EMAIL;
  else process.env.RATE_LIMIT_LOGIN_IP_EMAIL = savedIpEmailLimit;
});

/** A distinct client address per request unless named, so rate-limit counters never carry over. */
function freshIp(): string {
  const b = randomUUID().replaceAll("-", "");
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokenOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1);

async function code(res: Response) {
  return (await body<ErrorBody>(res)).error.code;
}

function doReauth(payload: unknown, cookie?: string, init: { ip?: string; headers?: Record<string, string> } = {}) {
  return reauth(request("/api/auth/reauth", { body: payload, cookie, ip: init.ip ?? freshIp(), headers: init.headers }));
}

function patch(id: string, cookie: string | undefined, payload: unknown) {
  return patchUser(request(`/api/users/${id}`, { method: "PATCH", body: payload, cookie }), { params: Promise.resolve({ id }) });
}

function invite(cookie: string, payload: unknown) {
  return createInvitationRoute(request("/api/invitations", { body: payload, cookie }));
}

function reissueRow(id: string, cookie: string) {
  return reissue(request(`/api/invitations/${id}/reissue`, { body: {}, cookie }), { params: Promise.resolve({ id }) });
}

async function meBody(cookie: string) {
  const res = await me(request("/api/me", { cookie }));
  return { status: res.status, body: res.status === 200 ? await body<MeBody>(res) : null };
}

/** The session behind a cookie, as stored. */
async function sessionRow(cookie: string) {
  const db = await getDb();
  const [row] = await db.select().from(sessions).where(eq(sessions.tokenHash, sha256Hex(tokenOf(cookie))));
  return row;
}

/** Moves the moment the password was last proven on this session an hour back (past the default 15 minutes). */
async function makeStale(cookie: string) {
  const db = await getDb();
  await db
    .update(sessions)
    .set({ authenticatedAt: sql`now() - interval '1 hour'` })
    .where(eq(sessions.tokenHash, sha256Hex(tokenOf(cookie))));
}

async function events(userId: string, action: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), eq(auditEvents.action, action)));
}

async function userRow(id: string) {
  const db = await getDb();
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

describe("POST /api/auth/reauth and REAUTH_MAX_AGE_SECONDS", () => {
  it("reauth_required after the window; a wrong password stays refused; the right one makes the same session fresh again", async () => {
    process.env.REAUTH_MAX_AGE_SECONDS = "2";
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const before = await sessionRow(admin.cookie);
    expect((await meBody(admin.cookie)).body!.session.fresh).toBe(true);

    // Let the 2-second window pass for real (by the database's clock).
    await sleep(2300);
    expect((await meBody(admin.cookie)).body!.session.fresh).toBe(false);
    const refused = await patch(member.user.id, admin.cookie, { disabled: true });
    expect(refused.status).toBe(403);
    const refusedBody = await body<ErrorBody>(refused);
    expect(refusedBody.error.code).toBe("reauth_required");
    expect(refusedBody.error.message).toMatch(/confirm your password/i);
    expect((await userRow(member.user.id)).disabledAt).toBeNull();
    expect(await events(member.user.id, "user.disabled")).toHaveLength(0);
    expect((await meBody(member.cookie)).status).toBe(200);

    // A wrong password: 401 invalid_credentials after one comparison, audited, still stale.
    const wrong = await doReauth({ password: "not-the-right-password" }, admin.cookie);
    expect(wrong.status).toBe(401);
    expect(await code(wrong)).toBe("invalid_credentials");
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(bcryptCalls.compare).toBe(1);
    const failed = await events(admin.user.id, "user.reauth_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actorUserId: admin.user.id, targetUserId: admin.user.id });
    expect(JSON.stringify(failed)).not.toContain("not-the-right-password");
    expect((await sessionRow(admin.cookie)).authenticatedAt.getTime()).toBe(before.authenticatedAt.getTime());
    expect(await code(await patch(member.user.id, admin.cookie, { disabled: true }))).toBe("reauth_required");

    // The right password: 204, no new cookie, the same session row, now fresh.
    const ua = "Mozilla/5.0 (reauth-test)";
    const ok = await doReauth({ password: admin.password }, admin.cookie, { ip: "203.0.113.44", headers: { "user-agent": ua } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("set-cookie")).toBeNull();
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(bcryptCalls.compare).toBe(2);
    const after = await sessionRow(admin.cookie);
    expect(after.id).toBe(before.id);
    expect(after.tokenHash).toBe(before.tokenHash);
    expect(after.expiresAt.getTime()).toBe(before.expiresAt.getTime());
    expect(after.revokedAt).toBeNull();
    expect(after.authenticatedAt.getTime()).toBeGreaterThan(before.authenticatedAt.getTime());
    const meNow = await meBody(admin.cookie);
    expect(meNow.status).toBe(200);
    expect(meNow.body!.session).toMatchObject({ id: before.id, fresh: true });

    const done = await events(admin.user.id, "user.reauthenticated");
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, targetUserId: admin.user.id, ip: "203.0.113.44", userAgent: ua });
    const text = JSON.stringify([...failed, ...done]);
    for (const secret of [admin.password, admin.token, before.tokenHash, admin.user.passwordHash!]) expect(text).not.toContain(secret);

    // And now the sensitive action goes through.
    const patched = await patch(member.user.id, admin.cookie, { disabled: true });
    expect(patched.status).toBe(200);
    expect((await userRow(member.user.id)).disabledAt).not.toBeNull();
    expect(await events(member.user.id, "user.disabled")).toHaveLength(1);
  });

  it("checks in order 401 → 403 forbidden → 403 reauth_required → 400", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const target = await createUserWithSession("member");
    await makeStale(admin.cookie);
    await makeStale(member.cookie);

    // A stale admin with a body or id that would be 400/404 still hears reauth_required first.
    for (const [id, payload] of [
      [target.user.id, {}],
      [target.user.id, { disabled: "yes" }],
      [target.user.id, { role: "owner", extra: 1 }],
      ["not-a-uuid", { disabled: true }],
    ] as const) {
      const res = await patch(id, admin.cookie, payload);
      expect(res.status, JSON.stringify(payload)).toBe(403);
      expect(await code(res)).toBe("reauth_required");
    }
    // A stale member is simply not an admin.
    const asMember = await patch(target.user.id, member.cookie, { disabled: true });
    expect(asMember.status).toBe(403);
    expect(await code(asMember)).toBe("forbidden");
    // No session at all.
    const anonymous = await patch(target.user.id, undefined, { disabled: true });
    expect(anonymous.status).toBe(401);
    expect(await code(anonymous)).toBe("unauthorized");
    expect((await userRow(target.user.id)).disabledAt).toBeNull();

    // Fresh again: the same invalid bodies are now 400 invalid_request.
    expect((await doReauth({ password: admin.password }, admin.cookie)).status).toBe(204);
    const invalid = await patch(target.user.id, admin.cookie, {});
    expect(invalid.status).toBe(400);
    expect(await code(invalid)).toBe("invalid_request");
  });

  it("POST /api/invitations: role admin needs a fresh session, role member does not", async () => {
    const admin = await createUserWithSession("admin");
    await makeStale(admin.cookie);
    const db = await getDb();

    const adminEmail = uniqueEmail("new-admin");
    const refused = await invite(admin.cookie, { email: adminEmail, role: "admin" });
    expect(refused.status).toBe(403);
    expect(await code(refused)).toBe("reauth_required");
    expect(await db.select().from(users).where(eq(users.email, adminEmail))).toHaveLength(0);

    // Order: a stale admin's invalid admin invitation is 400 (the body decides whether fresh is needed).
    const badBody = await invite(admin.cookie, { email: "not-an-email", role: "admin" });
    expect(badBody.status).toBe(400);

    const memberInvite = await invite(admin.cookie, { email: uniqueEmail("new-member"), role: "member" });
    expect(memberInvite.status).toBe(201);
    expect((await body<Issued>(memberInvite)).invitation).toMatchObject({ role: "member", kind: "invite" });
    const defaultRole = await invite(admin.cookie, { email: uniqueEmail("new-member") });
    expect(defaultRole.status).toBe(201);

    expect((await doReauth({ password: admin.password }, admin.cookie)).status).toBe(204);
    const accepted = await invite(admin.cookie, { email: adminEmail, role: "admin" });
    expect(accepted.status).toBe(201);
    expect((await body<Issued>(accepted)).invitation).toMatchObject({ role: "admin", kind: "invite" });
  });

  it("reissue: an admin's invitation needs a fresh session; a member's does not", async () => {
    const admin = await createUserWithSession("admin");
    const pendingAdmin = await inviteUser(uniqueEmail("pending-admin"), "admin");
    const pendingMember = await inviteUser(uniqueEmail("pending-member"), "member");
    await makeStale(admin.cookie);
    const db = await getDb();

    const refused = await reissueRow(pendingAdmin.id, admin.cookie);
    expect(refused.status).toBe(403);
    expect(await code(refused)).toBe("reauth_required");
    const [untouched] = await db.select().from(invitations).where(eq(invitations.id, pendingAdmin.id));
    expect(untouched.revokedAt).toBeNull();
    expect(await db.select().from(invitations).where(eq(invitations.userId, untouched.userId))).toHaveLength(1);
    // The old link still opens.
    expect((await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(pendingAdmin.secret)}`))).status).toBe(200);

    const memberReissued = await reissueRow(pendingMember.id, admin.cookie);
    expect(memberReissued.status).toBe(201);
    expect((await body<Issued>(memberReissued)).invitation).toMatchObject({ role: "member", kind: "invite" });

    expect((await doReauth({ password: admin.password }, admin.cookie)).status).toBe(204);
    const adminReissued = await reissueRow(pendingAdmin.id, admin.cookie);
    expect(adminReissued.status).toBe(201);
    const issued = (await body<Issued>(adminReissued)).invitation;
    expect(issued).toMatchObject({ role: "admin", kind: "invite", email: pendingAdmin.email });
    expect(issued.id).not.toBe(pendingAdmin.id);
  });

  it("reissue of a reset row: reauth_required when stale; when fresh a new reset link (kind reset), the old one revoked", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const db = await getDb();
    const first = await resetUser(request(`/api/users/${member.user.id}/reset`, { body: {}, cookie: admin.cookie }), { params: Promise.resolve({ id: member.user.id }) });
    expect(first.status).toBe(201);
    const old = (await body<Issued>(first)).invitation;
    const oldSecret = new URL(old.url).searchParams.get("token")!;

    await makeStale(admin.cookie);
    const refused = await reissueRow(old.id, admin.cookie);
    expect(refused.status).toBe(403);
    expect(await code(refused)).toBe("reauth_required");
    expect((await db.select().from(invitations).where(eq(invitations.id, old.id)))[0].revokedAt).toBeNull();

    expect((await doReauth({ password: admin.password }, admin.cookie)).status).toBe(204);
    const res = await reissueRow(old.id, admin.cookie);
    expect(res.status).toBe(201);
    const next = (await body<Issued>(res)).invitation;
    expect(next).toMatchObject({ email: member.user.email, role: "member", kind: "reset" });
    expect(next.id).not.toBe(old.id);

    const rows = await db.select().from(invitations).where(eq(invitations.userId, member.user.id));
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.id === old.id)!.revokedAt).not.toBeNull();
    expect(rows.find((r) => r.id === next.id)).toMatchObject({ kind: "reset", revokedAt: null, isAccepted: false, createdBy: admin.user.id });

    const dead = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(oldSecret)}`));
    expect(dead.status).toBe(410);
    expect(await code(dead)).toBe("invitation_revoked");
    const nextSecret = new URL(next.url).searchParams.get("token")!;
    const live = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(nextSecret)}`));
    expect(live.status).toBe(200);
    expect(await body(live)).toMatchObject({ email: member.user.email, kind: "reset" });
    // The password is untouched until the link is claimed.
    expect((await userRow(member.user.id)).passwordHash).toBe(member.user.passwordHash);
  });

  it("401 without a live session (none, revoked, logged out); 400 invalid_request for a bad body, before bcrypt", async () => {
    const alice = await createUserWithSession("member");
    const anonymous = await doReauth({ password: alice.password });
    expect(anonymous.status).toBe(401);
    expect(await code(anonymous)).toBe("unauthorized");

    for (const payload of [{}, { password: "" }, { password: 123 }, { password: alice.password, extra: true }, { password: "x".repeat(4097) }]) {
      const res = await doReauth(payload, alice.cookie);
      expect(res.status, JSON.stringify(payload).slice(0, 60)).toBe(400);
      expect(await code(res)).toBe("invalid_request");
    }
    expect(bcryptCalls.compare).toBe(0);

    const crossSite = await doReauth({ password: alice.password }, alice.cookie, { headers: { origin: "https://evil.example" } });
    expect(crossSite.status).toBe(403);
    expect(await code(crossSite)).toBe("csrf_rejected");

    // A member may re-authenticate too (the route is "member").
    expect((await doReauth({ password: alice.password }, alice.cookie)).status).toBe(204);

    // Signed out: the old cookie cannot re-authenticate, even with the right password.
    expect((await logout(request("/api/auth/logout", { body: {}, cookie: alice.cookie }))).status).toBeLessThan(300);
    const revoked = await doReauth({ password: alice.password }, alice.cookie);
    expect(revoked.status).toBe(401);
    expect(await code(revoked)).toBe("unauthorized");
    expect((await sessionRow(alice.cookie)).revokedAt).not.toBeNull();
    expect(await events(alice.user.id, "user.reauthenticated")).toHaveLength(1);
    expect(await events(alice.user.id, "user.reauth_failed")).toHaveLength(0);
  });

  it("counts wrong passwords in the login limit per (IP, account): 429 afterwards, for reauth and for login", async () => {
    process.env.RATE_LIMIT_LOGIN_IP_EMAIL = "3/900";
    const alice = await createUserWithSession("member");
    const ip = freshIp();
    for (let i = 0; i < 3; i++) expect((await doReauth({ password: `wrong-${i}-password` }, alice.cookie, { ip })).status).toBe(401);
    expect(bcryptCalls.compare).toBe(3);
    const limited = await doReauth({ password: alice.password }, alice.cookie, { ip });
    expect(limited.status).toBe(429);
    expect(await code(limited)).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(bcryptCalls.compare).toBe(3);
    // The same counter as signing in to that account from that address.
    const loginLimited = await login(request("/api/auth/login", { body: { email: alice.user.email, password: alice.password }, ip }));
    expect(loginLimited.status).toBe(429);
    // Another address is not affected.
    expect((await doReauth({ password: alice.password }, alice.cookie)).status).toBe(204);
    expect(await events(alice.user.id, "user.reauth_failed")).toHaveLength(3);
  });
});
