import { eq, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { describe, expect, it, onTestFinished } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, sessions, users } from "@/db/schema";
import { signOnboardingToken } from "@/lib/auth/onboarding-token";
import { verifyPassword } from "@/lib/auth/password";
import { authSecrets, deriveKey } from "@/lib/auth/secret";
import { createSession, sessionCookieName } from "@/lib/auth/session";
import { body, cookieFrom, createUserWithSession, inviteUser, request, snapshot, strongPassword } from "@/lib/testing/api";
import { issueReset } from "@/lib/users";
import { POST as login } from "../../auth/login/route";
import { GET as meGet } from "../../me/route";
import { GET as getToken } from "../get_token/route";
import { POST as claim } from "./route";

// Claiming a password-reset link (kind "reset", lib/users.ts issueReset): the same endpoints, checks
// and arbiter as an invitation; the password is replaced and every session of the user revoked.

type ErrorBody = { error: { code: string; message: string } };

async function resetLink(userId: string, expiresInSeconds?: number) {
  const admin = await createUserWithSession("admin");
  const db = await getDb();
  const issued = await issueReset(db, { id: userId, actorUserId: admin.user.id, expiresInSeconds });
  if (!issued.ok) throw new Error(issued.reason);
  return { ...issued.invitation, secret: new URL(issued.invitation.url!).searchParams.get("token")!, admin };
}

async function tokenFor(secret: string) {
  const res = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`));
  expect(res.status).toBe(200);
  return body<{ onboarding_token: string; email: string; kind: string; expires_at: string }>(res);
}

function claimRequest(jwt: string, payload: unknown, extra: { cookie?: string; ip?: string } = {}) {
  return request("/api/onboarding/claim_token", { body: payload, headers: { authorization: `Bearer ${jwt}` }, ...extra });
}

function loginRequest(email: string, password: string) {
  return login(request("/api/auth/login", { body: { email, password } }));
}

/** A token as signed before links had kinds: no `kind` claim. */
async function legacyToken(userId: string, invitationId: string) {
  return new SignJWT({ inv: invitationId })
    .setProtectedHeader({ alg: "HS256", typ: "onboarding+jwt" })
    .setIssuer("http://localhost:3000")
    .setAudience("onboarding")
    .setSubject(userId)
    .setIssuedAt()
    .setNotBefore("0s")
    .setExpirationTime("10m")
    .sign(deriveKey(authSecrets().current, "onboarding-jwt/v1"));
}

describe("claiming a reset link", () => {
  it("get_token answers kind reset (and kind invite for an invitation)", async () => {
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const t = await tokenFor(link.secret);
    expect(t).toMatchObject({ email: member.user.email, kind: "reset", expires_at: expect.any(String) });
    expect(Object.keys(t).sort()).toEqual(["email", "expires_at", "kind", "onboarding_token"]);
    const inv = await inviteUser();
    expect(await tokenFor(inv.secret)).toMatchObject({ email: inv.email, kind: "invite" });
  });

  it("sets the new password, revokes every old session, signs this browser in; the old password no longer works", async () => {
    const member = await createUserWithSession("member");
    const db = await getDb();
    const second = await createSession(db, member.user.id);
    const secondCookie = `${sessionCookieName()}=${second.token}`;
    expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(200);
    const link = await resetLink(member.user.id);
    const { onboarding_token: jwt } = await tokenFor(link.secret);
    const password = strongPassword();

    const res = await claim(claimRequest(jwt, { token: link.secret, password }, { cookie: secondCookie }));
    expect(res.status).toBe(200);
    expect((await body<{ user: { id: string; email: string; role: string } }>(res)).user).toEqual({
      id: member.user.id,
      email: member.user.email,
      role: "member",
    });
    const fresh = cookieFrom(res)!;
    expect((await meGet(request("/api/me", { cookie: fresh }))).status).toBe(200);
    for (const old of [member.cookie, secondCookie]) expect((await meGet(request("/api/me", { cookie: old }))).status).toBe(401);

    const after = await snapshot(member.user.id);
    expect(after.sessions.filter((s) => s.revokedAt === null)).toHaveLength(1);
    expect(await verifyPassword(password, after.user.passwordHash!)).toBe(true);
    const [row] = after.invitations.filter((i) => i.id === link.id);
    expect(row.isAccepted).toBe(true);

    const oldLogin = await loginRequest(member.user.email, member.password);
    expect(oldLogin.status).toBe(401);
    expect((await body<ErrorBody>(oldLogin)).error.code).toBe("invalid_credentials");
    expect((await loginRequest(member.user.email, password)).status).toBe(200);

    const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, link.id));
    const claimed = events.filter((e) => e.action === "invitation.claimed");
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ actorUserId: member.user.id, targetUserId: member.user.id, details: { kind: "reset" } });
    expect(JSON.stringify(events)).not.toContain(password);

    // Used: the link is dead, and says so.
    const again = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(link.secret)}`));
    expect(again.status).toBe(409);
    expect((await body<ErrorBody>(again)).error.code).toBe("invitation_already_used");
    const reclaim = await claim(claimRequest(jwt, { token: link.secret, password: strongPassword() }));
    expect(reclaim.status).toBe(409);
  });

  it("400 weak_password when the new password is the current one; nothing written, the link stays usable", async () => {
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const { onboarding_token: jwt } = await tokenFor(link.secret);
    const before = await snapshot(member.user.id);
    const res = await claim(claimRequest(jwt, { token: link.secret, password: member.password }));
    expect(res.status).toBe(400);
    const err = await body<ErrorBody>(res);
    expect(err.error.code).toBe("weak_password");
    expect(err.error.message).toMatch(/differ from the current one/);
    expect(await snapshot(member.user.id)).toEqual(before);
    // The policy is still checked first, and still names its rule.
    const short = await claim(claimRequest(jwt, { token: link.secret, password: "short" }));
    expect((await body<ErrorBody>(short)).error.message).toMatch(/at least 12 characters/);
    const db = await getDb();
    const rejected = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, link.id));
    expect(rejected.filter((e) => e.action === "invitation.claim_rejected").map((e) => e.details.reason)).toEqual(["weak_password", "weak_password"]);
    expect((await claim(claimRequest(jwt, { token: link.secret, password: strongPassword() }))).status).toBe(200);
  });

  it("401 onboarding_token_mismatch when the JWT's kind differs from the row's, both ways; a token without a kind is an invite", async () => {
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const inv = await inviteUser();
    const db = await getDb();
    const [invitee] = await db.select().from(users).where(eq(users.email, inv.email));

    const asInvite = (await signOnboardingToken({ userId: member.user.id, invitationId: link.id, kind: "invite" })).token;
    const asReset = (await signOnboardingToken({ userId: invitee.id, invitationId: inv.id, kind: "reset" })).token;
    const legacyOnReset = await legacyToken(member.user.id, link.id);
    for (const [jwt, secret] of [
      [asInvite, link.secret],
      [legacyOnReset, link.secret],
      [asReset, inv.secret],
    ] as const) {
      const res = await claim(claimRequest(jwt, { token: secret, password: strongPassword() }));
      expect(res.status).toBe(401);
      expect((await body<ErrorBody>(res)).error.code).toBe("onboarding_token_mismatch");
    }
    expect((await snapshot(member.user.id)).user.passwordHash).toBe(member.user.passwordHash);
    expect((await snapshot(invitee.id)).user.passwordHash).toBeNull();
    // Nothing recorded for these (as for any mismatch).
    for (const id of [link.id, inv.id]) {
      const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, id));
      expect(events.filter((e) => e.action.startsWith("invitation.claim"))).toHaveLength(0);
    }
    // A token signed before the deploy (no kind) still claims an invitation.
    expect((await claim(claimRequest(await legacyToken(invitee.id, inv.id), { token: inv.secret, password: strongPassword() }))).status).toBe(200);
  });

  it("lets exactly one of 50 concurrent claims of one reset link win", async () => {
    process.env.RATE_LIMITS = "off";
    onTestFinished(() => {
      delete process.env.RATE_LIMITS;
    });
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const { onboarding_token: jwt } = await tokenFor(link.secret);
    const passwords = Array.from({ length: 50 }, () => strongPassword());
    const results = await Promise.all(passwords.map((password, i) => claim(claimRequest(jwt, { token: link.secret, password }, { ip: `198.51.100.${i}` }))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const after = await snapshot(member.user.id);
    expect(after.sessions.filter((s) => s.revokedAt === null)).toHaveLength(1);
    expect(await verifyPassword(passwords[statuses.indexOf(200)], after.user.passwordHash!)).toBe(true);
  });

  it("a failure while minting the session rolls back the new password and the session revocations; the link stays usable", async () => {
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const { onboarding_token: jwt } = await tokenFor(link.secret);
    const db = await getDb();
    const userId = member.user.id;
    const fn = `fail_reset_session_${userId.replaceAll("-", "")}`;
    // A real database failure at the very last step of the transaction: inserting the session.
    await db.execute(sql.raw(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger AS $$
      BEGIN IF NEW.user_id = '${userId}' THEN RAISE EXCEPTION 'session minting failed'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`));
    await db.execute(sql.raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION ${fn}()`));
    const before = await snapshot(userId);
    try {
      const res = await claim(claimRequest(jwt, { token: link.secret, password: strongPassword() }));
      expect(res.status).toBe(500);
      expect((await body<ErrorBody>(res)).error.code).toBe("internal_error");
      const after = await snapshot(userId);
      expect(after).toEqual(before);
      expect(after.user.passwordHash).toBe(member.user.passwordHash);
      expect(after.sessions.every((s) => s.revokedAt === null)).toBe(true);
      expect(after.invitations.find((i) => i.id === link.id)!.isAccepted).toBe(false);
      expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(200);
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER ${fn} ON sessions`));
    }
    const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, link.id));
    expect(events.filter((e) => e.action === "invitation.claim_rejected").map((e) => e.details.reason)).toEqual(["internal_error"]);
    const password = strongPassword();
    expect((await claim(claimRequest(jwt, { token: link.secret, password }))).status).toBe(200);
    expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(401);
    expect((await loginRequest(member.user.email, password)).status).toBe(200);
  });

  it("a disabled user's reset link answers 410 and writes nothing; so does an expired one", async () => {
    const member = await createUserWithSession("member");
    const link = await resetLink(member.user.id);
    const { onboarding_token: jwt } = await tokenFor(link.secret);
    const db = await getDb();
    // Disabled directly (updateUser would also revoke the link), so the claim's own checks stop it.
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, member.user.id));
    const before = await snapshot(member.user.id);
    const res = await claim(claimRequest(jwt, { token: link.secret, password: strongPassword() }));
    expect(res.status).toBe(410);
    expect((await body<ErrorBody>(res)).error.code).toBe("invitation_revoked");
    expect(await snapshot(member.user.id)).toEqual(before);

    const other = await createUserWithSession("member");
    const short = await resetLink(other.user.id, 1);
    const { onboarding_token: shortJwt } = await tokenFor(short.secret);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await claim(claimRequest(shortJwt, { token: short.secret, password: strongPassword() }));
    expect(expired.status).toBe(410);
    expect((await body<ErrorBody>(expired)).error.code).toBe("invitation_expired");
    const [row] = await db.select().from(invitations).where(eq(invitations.id, short.id));
    expect(row.isAccepted).toBe(false);
    expect((await db.select().from(sessions).where(eq(sessions.userId, other.user.id))).every((s) => s.revokedAt === null)).toBe(true);
  });
});
