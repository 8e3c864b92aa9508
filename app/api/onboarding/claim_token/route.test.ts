import { and, eq, sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { describe, expect, it, onTestFinished } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, sessions, users } from "@/db/schema";
import { verifyPassword } from "@/lib/auth/password";
import { createUserWithSession, inviteUser, request, snapshot, strongPassword, body, cookieFrom } from "@/lib/testing/api";
import { updateUser } from "@/lib/users";
import { GET as meGet } from "../../me/route";
import { GET as getToken } from "../get_token/route";
import { POST as claim } from "./route";

async function onboardingToken(secret: string): Promise<string> {
  const res = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`));
  expect(res.status).toBe(200);
  return (await body<{ onboarding_token: string }>(res)).onboarding_token;
}

const UA = "Mozilla/5.0 (claim-test)";

function claimRequest(jwt: string | null, payload: unknown, extra: { cookie?: string; ip?: string } = {}) {
  return request("/api/onboarding/claim_token", {
    body: payload,
    headers: { "user-agent": UA, ...(jwt ? { authorization: `Bearer ${jwt}` } : {}) },
    ...extra,
  });
}

/** The events a claim writes (invitation.claimed, invitation.claim_rejected) for this invitation. */
async function claimEvents(invitationId: string) {
  const db = await getDb();
  const rows = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, invitationId));
  return rows.filter((e) => e.action.startsWith("invitation.claim"));
}

const reasons = (events: { action: string; details: Record<string, unknown> }[]) =>
  events.filter((e) => e.action === "invitation.claim_rejected").map((e) => e.details.reason);

describe("POST /api/onboarding/claim_token", () => {
  it("sets the password, accepts the invitation and returns the session only as an HttpOnly cookie", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const password = strongPassword();
    const res = await claim(claimRequest(jwt, { token: inv.secret, password }));
    expect(res.status).toBe(200);
    const json = await body<{ user: { email: string; role: string } }>(res);
    expect(json.user).toMatchObject({ email: inv.email, role: "member" });
    expect(JSON.stringify(json)).not.toMatch(/session|token/i);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");

    const after = await snapshot((await getUserId(inv.email))!);
    expect(after.invitations[0].isAccepted).toBe(true);
    expect(after.invitations[0].acceptedAt).not.toBeNull();
    expect(await verifyPassword(password, after.user.passwordHash!)).toBe(true);
    expect(after.sessions).toHaveLength(1);

    const me = await meGet(request("/api/me", { cookie: cookieFrom(res)! }));
    expect(me.status).toBe(200);
    expect((await body<{ user: { email: string } }>(me)).user.email).toBe(inv.email);
  });

  it("checks body, then JWT, then binding, then state, then password, in that order", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const other = await inviteUser();

    // 1. body shape wins over a missing JWT
    let res = await claim(claimRequest(null, { token: 5 }));
    expect(res.status).toBe(400);
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("invalid_request");

    // 2. a bad JWT wins over an unknown link and a weak password
    res = await claim(claimRequest("not-a-jwt", { token: "x".repeat(43), password: "short" }));
    expect(res.status).toBe(401);
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("invalid_onboarding_token");
    res = await claim(claimRequest(null, { token: inv.secret, password: strongPassword() }));
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("invalid_onboarding_token");

    // 3. a valid JWT for another invitation, or an unknown link → mismatch (even with a weak password)
    res = await claim(claimRequest(jwt, { token: other.secret, password: "short" }));
    expect(res.status).toBe(401);
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("onboarding_token_mismatch");
    res = await claim(claimRequest(jwt, { token: "A".repeat(43), password: strongPassword() }));
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("onboarding_token_mismatch");

    // 5. weak password, named rule
    res = await claim(claimRequest(jwt, { token: inv.secret, password: "short" }));
    expect(res.status).toBe(400);
    const weak = await body<{ error: { code: string; message: string } }>(res);
    expect(weak.error.code).toBe("weak_password");
    expect(weak.error.message).toMatch(/at least 12 characters/);

    // 4. state beats the password check: revoke, then a weak password still gets 410
    const db = await getDb();
    await db.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, inv.id));
    res = await claim(claimRequest(jwt, { token: inv.secret, password: "short" }));
    expect(res.status).toBe(410);
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("invitation_revoked");
  });

  it("answers 409 for a used link and 410 for an expired one, writing nothing", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    expect((await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }))).status).toBe(200);
    const userId = (await getUserId(inv.email))!;
    const before = await snapshot(userId);
    const again = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }));
    expect(again.status).toBe(409);
    expect((await body<{ error: { code: string } }>(again)).error.code).toBe("invitation_already_used");
    expect(await snapshot(userId)).toEqual(before);

    const short = await inviteUser(undefined, "member", 1);
    const shortJwt = await onboardingToken(short.secret);
    await new Promise((r) => setTimeout(r, 1100));
    const expired = await claim(claimRequest(shortJwt, { token: short.secret, password: strongPassword() }));
    expect(expired.status).toBe(410);
    expect((await body<{ error: { code: string } }>(expired)).error.code).toBe("invitation_expired");
  });

  it("lets exactly one of 50 concurrent claims win", async () => {
    // Limits off: the conditional UPDATE alone must pick the winner.
    process.env.RATE_LIMITS = "off";
    onTestFinished(() => {
      delete process.env.RATE_LIMITS;
    });
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const passwords = Array.from({ length: 50 }, () => strongPassword());
    const results = await Promise.all(
      passwords.map((password, i) => claim(claimRequest(jwt, { token: inv.secret, password }, { ip: `198.51.100.${i}` }))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    const userId = (await getUserId(inv.email))!;
    const after = await snapshot(userId);
    expect(after.sessions).toHaveLength(1);
    // The stored password is the winner's.
    const winner = passwords[statuses.indexOf(200)];
    expect(await verifyPassword(winner, after.user.passwordHash!)).toBe(true);
  });

  it("rolls everything back when minting the session fails, and the link stays claimable", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const db = await getDb();
    const userId = (await getUserId(inv.email))!;
    // A real database failure at the very last step of the transaction: inserting the session.
    await db.execute(sql.raw(`
      CREATE OR REPLACE FUNCTION fail_session_insert_${userId.replaceAll("-", "")}() RETURNS trigger AS $$
      BEGIN IF NEW.user_id = '${userId}' THEN RAISE EXCEPTION 'session minting failed'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`));
    await db.execute(sql.raw(`
      CREATE TRIGGER fail_session_insert_${userId.replaceAll("-", "")} BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION fail_session_insert_${userId.replaceAll("-", "")}()`));
    try {
      const res = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }));
      expect(res.status).toBe(500);
      const err = await body<{ error: { code: string; message: string } }>(res);
      expect(err.error.code).toBe("internal_error");
      expect(JSON.stringify(err)).not.toMatch(/session minting failed|at .*\.ts/);
      const after = await snapshot(userId);
      expect(after.invitations[0].isAccepted).toBe(false);
      expect(after.invitations[0].acceptedAt).toBeNull();
      expect(after.user.passwordHash).toBeNull();
      expect(after.sessions).toHaveLength(0);
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER fail_session_insert_${userId.replaceAll("-", "")} ON sessions`));
    }
    const retry = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }));
    expect(retry.status).toBe(200);
  });

  it("refuses a disabled user's claim and writes nothing", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const userId = (await getUserId(inv.email))!;
    const db = await getDb();
    // Disabled directly (not through updateUser, which would also revoke the invitation), so the
    // claim's own conditional user update is what stops it.
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId));
    const res = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }));
    expect(res.status).toBe(410);
    const after = await snapshot(userId);
    expect(after.user.passwordHash).toBeNull();
    expect(after.invitations[0].isAccepted).toBe(false);
    expect(after.sessions).toHaveLength(0);

    // Through the admin API path, the invitation is revoked as well.
    await db.update(users).set({ disabledAt: null }).where(eq(users.id, userId));
    expect((await updateUser(db, { id: userId, actorUserId: admin.user.id, disabled: true })).ok).toBe(true);
    const viaApi = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }));
    expect((await body<{ error: { code: string } }>(viaApi)).error.code).toBe("invitation_revoked");
  });

  it("revokes the session cookie the browser already had", async () => {
    const other = await createUserWithSession("member");
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const res = await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }, { cookie: other.cookie }));
    expect(res.status).toBe(200);
    const db = await getDb();
    const [old] = await db.select().from(sessions).where(eq(sessions.userId, other.user.id));
    expect(old.revokedAt).not.toBeNull();
    expect((await meGet(request("/api/me", { cookie: other.cookie }))).status).toBe(401);
  });

  it("rejects a JWT signed with another key, and accepts no session token in its place", async () => {
    const inv = await inviteUser();
    const userId = (await getUserId(inv.email))!;
    const forged = await new SignJWT({ inv: inv.id })
      .setProtectedHeader({ alg: "HS256", typ: "onboarding+jwt" })
      .setIssuer("http://localhost:3000")
      .setAudience("onboarding")
      .setSubject(userId)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode("another-secret-another-secret-another-secret"));
    const res = await claim(claimRequest(forged, { token: inv.secret, password: strongPassword() }));
    expect(res.status).toBe(401);
    const member = await createUserWithSession("member");
    const withSession = await claim(claimRequest(member.token, { token: inv.secret, password: strongPassword() }));
    expect(withSession.status).toBe(401);
    expect((await snapshot(userId)).user.passwordHash).toBeNull();
  });
});

describe("claim audit events", () => {
  it("a claim records invitation.claimed with IP and user agent, sets last_sign_in_at, and never a secret", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const password = strongPassword();
    const before = Date.now();
    const db = await getDb();
    const [{ n: before1 }] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    await onboardingToken(inv.secret);
    const [{ n: after1 }] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    expect(after1).toBe(before1);
    const res = await claim(claimRequest(jwt, { token: inv.secret, password }, { ip: "203.0.113.21" }));
    expect(res.status).toBe(200);
    const userId = (await getUserId(inv.email))!;
    const { user } = await snapshot(userId);
    expect(user.lastSignInAt!.getTime()).toBeGreaterThan(before - 5_000);
    const events = await claimEvents(inv.id);
    expect(events.map((e) => e.action)).toEqual(["invitation.claimed"]);
    expect(events[0]).toMatchObject({ actorUserId: userId, targetUserId: userId, targetEmail: inv.email, ip: "203.0.113.21", userAgent: UA });
    const text = JSON.stringify(events);
    for (const secret of [password, jwt, inv.secret, cookieFrom(res)!.split("=")[1]]) expect(text).not.toContain(secret);
  });

  it("records claim_rejected (with its reason) once the JWT and the link verified, though the claim rolled back", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const userId = (await getUserId(inv.email))!;
    const weak = await claim(claimRequest(jwt, { token: inv.secret, password: "short" }, { ip: "203.0.113.22" }));
    expect(weak.status).toBe(400);
    let events = await claimEvents(inv.id);
    expect(reasons(events)).toEqual(["weak_password"]);
    expect(events[0]).toMatchObject({ actorUserId: null, targetUserId: userId, targetEmail: inv.email, ip: "203.0.113.22", userAgent: UA });
    expect(JSON.stringify(events)).not.toContain("short");

    // The session insert fails inside the transaction: everything rolls back, the rejection stays.
    const db = await getDb();
    const fn = `fail_session_audit_${userId.replaceAll("-", "")}`;
    await db.execute(sql.raw(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger AS $$
      BEGIN IF NEW.user_id = '${userId}' THEN RAISE EXCEPTION 'session minting failed'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`));
    await db.execute(sql.raw(`CREATE TRIGGER ${fn} BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION ${fn}()`));
    try {
      expect((await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }))).status).toBe(500);
    } finally {
      await db.execute(sql.raw(`DROP TRIGGER ${fn} ON sessions`));
    }
    events = await claimEvents(inv.id);
    expect(reasons(events).sort()).toEqual(["internal_error", "weak_password"]);
    expect(events.filter((e) => e.action === "invitation.claimed")).toHaveLength(0);

    // Claimed, then the used link again: invitation_already_used is recorded too.
    expect((await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }))).status).toBe(200);
    expect((await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }))).status).toBe(409);
    events = await claimEvents(inv.id);
    expect(reasons(events).sort()).toEqual(["internal_error", "invitation_already_used", "weak_password"]);
  });

  it("records the refusal of a disabled user's link (invitation_revoked), and writes nothing else", async () => {
    const inv = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const userId = (await getUserId(inv.email))!;
    const db = await getDb();
    // Disabled directly (the invitation itself stays live).
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, userId));
    expect((await claim(claimRequest(jwt, { token: inv.secret, password: strongPassword() }))).status).toBe(410);
    expect(reasons(await claimEvents(inv.id))).toEqual(["invitation_revoked"]);
    expect((await snapshot(userId)).invitations[0].isAccepted).toBe(false);
  });

  it("records nothing for a forged JWT, a missing JWT, or a JWT for another link (anonymous noise)", async () => {
    const inv = await inviteUser();
    const other = await inviteUser();
    const jwt = await onboardingToken(inv.secret);
    const otherJwt = await onboardingToken(other.secret);
    const userId = (await getUserId(inv.email))!;
    const forged = await new SignJWT({ inv: inv.id })
      .setProtectedHeader({ alg: "HS256", typ: "onboarding+jwt" })
      .setIssuer("http://localhost:3000")
      .setAudience("onboarding")
      .setSubject(userId)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode("another-secret-another-secret-another-secret"));
    const ip = "203.0.113.23";
    const db = await getDb();
    const [{ n: before }] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    for (const [token, secret] of [
      [forged, inv.secret],
      [null, inv.secret],
      [otherJwt, inv.secret],
      [jwt, other.secret],
      [jwt, "A".repeat(43)],
    ] as const) {
      const res = await claim(claimRequest(token, { token: secret, password: "short" }, { ip }));
      expect([401]).toContain(res.status);
    }
    expect(await db.select().from(auditEvents).where(eq(auditEvents.ip, ip))).toHaveLength(0);
    const [{ n: after }] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    expect(after).toBe(before);
    expect(await claimEvents(inv.id)).toHaveLength(0);
    expect(await claimEvents(other.id)).toHaveLength(0);
    expect(
      await db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), eq(auditEvents.action, "invitation.claim_rejected"))),
    ).toHaveLength(0);
  });
});

async function getUserId(email: string): Promise<string | undefined> {
  const db = await getDb();
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return u?.id;
}
