import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, sessions, users } from "@/db/schema";
import { LIMITS } from "@/lib/rate-limit";
import { body, cookieFrom, createUserWithSession, inviteUser, ORIGIN, request, strongPassword, uniqueEmail } from "@/lib/testing/api";
import { GET as meGet } from "../../me/route";
import { POST as login } from "./route";
import { bcryptCounter } from "@/lib/testing/bcrypt-count";

// Counts bcrypt comparisons (lib/auth/password.ts verifyPassword → the hashing pool), not time.
const bcryptCalls = bcryptCounter();

beforeEach(() => {
  bcryptCalls.compare = 0;
});

/** A distinct client address per test, so rate-limit counters never carry over (also on a shared Postgres). */
function freshIp(): string {
  const b = randomUUID().replaceAll("-", "");
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

function loginRequest(payload: unknown, init: { cookie?: string; ip?: string; headers?: Record<string, string> } = {}) {
  return request("/api/auth/login", { body: payload, ip: init.ip ?? freshIp(), cookie: init.cookie, headers: init.headers });
}

type ErrorBody = { error: { code: string; message: string } };

describe("POST /api/auth/login", () => {
  it("signs in with good credentials: 200, the user, and an HttpOnly SameSite=Lax session cookie", async () => {
    const { user, password } = await createUserWithSession("member");
    const res = await login(loginRequest({ email: user.email, password }));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ user: { id: user.id, email: user.email, role: "member" } });
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).toMatch(/Max-Age=\d{5,}/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(bcryptCalls.compare).toBe(1);

    const me = await meGet(request("/api/me", { cookie: cookieFrom(res)! }));
    expect(me.status).toBe(200);
  });

  it("mints a fresh session on every login; both stay valid", async () => {
    const { user, password } = await createUserWithSession("member");
    const a = cookieFrom(await login(loginRequest({ email: user.email, password })))!;
    const b = cookieFrom(await login(loginRequest({ email: user.email, password })))!;
    expect(a).toBeTruthy();
    expect(b).toBeTruthy();
    expect(a).not.toBe(b);
    expect((await meGet(request("/api/me", { cookie: a }))).status).toBe(200);
    expect((await meGet(request("/api/me", { cookie: b }))).status).toBe(200);
  });

  it("revokes the session cookie sent with the request", async () => {
    const { user, password, cookie: previous } = await createUserWithSession("member");
    expect((await meGet(request("/api/me", { cookie: previous }))).status).toBe(200);
    const res = await login(loginRequest({ email: user.email, password }, { cookie: previous }));
    expect(res.status).toBe(200);
    expect(cookieFrom(res)).not.toBe(previous);
    expect((await meGet(request("/api/me", { cookie: previous }))).status).toBe(401);
    expect((await meGet(request("/api/me", { cookie: cookieFrom(res)! }))).status).toBe(200);
  });

  it("matches the email case-insensitively and ignores surrounding spaces", async () => {
    const { user, password } = await createUserWithSession("member");
    const res = await login(loginRequest({ email: `  ${user.email.toUpperCase()} `, password }));
    expect(res.status).toBe(200);
    expect((await body<{ user: { id: string } }>(res)).user.id).toBe(user.id);
  });

  it("answers unknown email, wrong password, unclaimed and disabled users with the same 401 and one bcrypt comparison each", async () => {
    const active = await createUserWithSession("member");
    const pending = await inviteUser();
    const disabled = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));

    const cases = {
      unknown: { email: uniqueEmail("nobody"), password: strongPassword() },
      wrongPassword: { email: active.user.email, password: strongPassword() },
      unclaimed: { email: pending.email, password: strongPassword() },
      disabled: { email: disabled.user.email, password: disabled.password },
    };
    const texts: string[] = [];
    for (const [label, creds] of Object.entries(cases)) {
      bcryptCalls.compare = 0;
      const res = await login(loginRequest(creds));
      expect(res.status, label).toBe(401);
      expect(res.headers.get("set-cookie"), label).toBeNull();
      expect(bcryptCalls.compare, label).toBe(1);
      texts.push(await res.text());
    }
    expect(new Set(texts).size).toBe(1);
    expect(JSON.parse(texts[0])).toEqual({
      error: { code: "invalid_credentials", message: "That email and password don't match an active account." },
    });
    // No session was created for any of them.
    for (const id of [active.user.id, disabled.user.id]) {
      const rows = await db.select().from(sessions).where(eq(sessions.userId, id));
      expect(rows).toHaveLength(1); // the one createUserWithSession made
    }
  });

  it.each([
    ["no body fields", {}],
    ["missing password", { email: "a@example.com" }],
    ["empty password", { email: "a@example.com", password: "" }],
    ["non-string email", { email: 5, password: "x" }],
    ["an array", ["a@example.com", "pw"]],
    ["null", null],
  ])("400 invalid_request for %s, without any bcrypt work", async (_label, payload) => {
    const res = await login(loginRequest(payload));
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
    expect(bcryptCalls.compare).toBe(0);
  });

  it("400 for malformed JSON", async () => {
    const res = await login(request("/api/auth/login", { raw: "{not json", ip: freshIp() }));
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("415 for a text/plain body", async () => {
    const res = await login(
      request("/api/auth/login", { raw: JSON.stringify({ email: "a@example.com", password: "x" }), headers: { "content-type": "text/plain" }, ip: freshIp() }),
    );
    expect(res.status).toBe(415);
    expect((await body<ErrorBody>(res)).error.code).toBe("unsupported_media_type");
  });

  it("413 for a body over 16 kB", async () => {
    const res = await login(loginRequest({ email: "a@example.com", password: "x".repeat(17 * 1024) }));
    expect(res.status).toBe(413);
    expect((await body<ErrorBody>(res)).error.code).toBe("payload_too_large");
    expect(bcryptCalls.compare).toBe(0);
  });

  it("403 csrf_rejected for another site's Origin, even with good credentials", async () => {
    const { user, password } = await createUserWithSession("member");
    const res = await login(loginRequest({ email: user.email, password }, { headers: { origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("csrf_rejected");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(bcryptCalls.compare).toBe(0);
  });

  it("403 csrf_rejected without an Origin header", async () => {
    const { user, password } = await createUserWithSession("member");
    const req = new Request(new URL("/api/auth/login", ORIGIN), {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": freshIp() },
      body: JSON.stringify({ email: user.email, password }),
    });
    const res = await login(req);
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("csrf_rejected");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("429 with Retry-After after too many attempts from one IP for one email; another IP still gets 401", async () => {
    const { user, password } = await createUserWithSession("member");
    const ip = freshIp();
    const max = LIMITS.loginPerIpEmail.max;
    for (let i = 0; i < max; i++) {
      const res = await login(loginRequest({ email: user.email, password: `wrong-${i}` }, { ip }));
      expect(res.status).toBe(401);
    }
    bcryptCalls.compare = 0;
    // Over the limit: refused before any password check, even with the right password and another case.
    const limited = await login(loginRequest({ email: user.email.toUpperCase(), password }, { ip }));
    expect(limited.status).toBe(429);
    expect((await body<ErrorBody>(limited)).error.code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(LIMITS.loginPerIpEmail.windowSeconds);
    expect(limited.headers.get("set-cookie")).toBeNull();
    expect(bcryptCalls.compare).toBe(0);

    // Not a lockout: the same email from another address is still checked normally.
    const elsewhere = await login(loginRequest({ email: user.email, password: "wrong-again" }, { ip: freshIp() }));
    expect(elsewhere.status).toBe(401);
    const ok = await login(loginRequest({ email: user.email, password }, { ip: freshIp() }));
    expect(ok.status).toBe(200);
    // And the same IP may still try another email.
    const other = await createUserWithSession("member");
    expect((await login(loginRequest({ email: other.user.email, password: other.password }, { ip }))).status).toBe(200);
  });
});

describe("device cookies: a stranger behind the same IP cannot lock a known browser out", () => {
  const saved = process.env.RATE_LIMIT_LOGIN_IP;
  beforeEach(() => {
    process.env.RATE_LIMIT_LOGIN_IP = "5/900";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.RATE_LIMIT_LOGIN_IP;
    else process.env.RATE_LIMIT_LOGIN_IP = saved;
  });

  function deviceCookieOf(res: Response): string | null {
    const set = res.headers.getSetCookie().find((c) => c.startsWith("device="));
    return set ? set.split(";")[0] : null;
  }

  /** Failed sign-ins with random addresses from one IP until its per-IP limit is spent. */
  async function exhaustIp(ip: string) {
    for (let i = 0; i < 6; i++) await login(loginRequest({ email: uniqueEmail("stranger"), password: "wrong-password-123" }, { ip }));
  }

  it("a successful sign-in sets a long-lived, HttpOnly, SameSite=Lax device cookie that carries no email", async () => {
    const { user, password } = await createUserWithSession("member");
    const res = await login(loginRequest({ email: user.email, password }));
    expect(res.status).toBe(200);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("device="))!;
    expect(set).toMatch(/^device=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=31536000; /);
    expect(set.toLowerCase()).not.toContain(user.email.split("@")[0].toLowerCase());
  });

  it("after the IP's limit is spent, the known browser still signs in; a new browser, a forged cookie and another account's cookie get 429", async () => {
    const ip = freshIp();
    const alice = await createUserWithSession("member");
    const bob = await createUserWithSession("member");
    const aliceDevice = deviceCookieOf(await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip })))!;
    const bobDevice = deviceCookieOf(await login(loginRequest({ email: bob.user.email, password: bob.password }, { ip })))!;
    expect(aliceDevice).toBeTruthy();
    await exhaustIp(ip);

    const newBrowser = await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip }));
    expect(newBrowser.status).toBe(429);
    const known = await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip, cookie: aliceDevice }));
    expect(known.status).toBe(200);
    expect(deviceCookieOf(known)).toBeNull(); // a valid cookie is kept, not replaced
    // Case and Unicode form of the address do not matter: the cookie is bound to the canonical form.
    const upper = await login(loginRequest({ email: alice.user.email.toUpperCase(), password: alice.password }, { ip, cookie: aliceDevice }));
    expect(upper.status).toBe(200);

    const [id, mac] = aliceDevice.slice("device=".length).split(".");
    const forged = `device=${id}.${mac.slice(0, -1)}${mac.endsWith("A") ? "B" : "A"}`;
    expect((await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip, cookie: forged }))).status).toBe(429);
    expect((await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip, cookie: bobDevice }))).status).toBe(429);
    // Two device cookies (one planted) count as none.
    expect((await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip, cookie: `${aliceDevice}; ${bobDevice}` }))).status).toBe(429);
  });

  it("the known browser has a limit of its own per account (per device and email)", async () => {
    const ip = freshIp();
    const alice = await createUserWithSession("member");
    const device = deviceCookieOf(await login(loginRequest({ email: alice.user.email, password: alice.password }, { ip })))!;
    let last = 0;
    // login:device_email allows 10 per 15 min; the per-(IP, email) limit (also 10) counts too.
    for (let i = 0; i < 11; i++) {
      last = (await login(loginRequest({ email: alice.user.email, password: "wrong-password-123" }, { ip: freshIp(), cookie: device }))).status;
    }
    expect(last).toBe(429);
  });

  it("claiming an invitation signs in too, and sets the device cookie", async () => {
    const { POST: claim } = await import("../../onboarding/claim_token/route");
    const { issueOnboardingToken } = await import("@/lib/onboarding");
    const inv = await inviteUser();
    const issued = await issueOnboardingToken(await getDb(), inv.secret);
    if (!issued.ok) throw new Error(issued.reason);
    const res = await claim(
      request("/api/onboarding/claim_token", {
        body: { token: inv.secret, password: strongPassword() },
        headers: { authorization: `Bearer ${issued.onboardingToken}` },
      }),
    );
    expect(res.status).toBe(200);
    expect(deviceCookieOf(res)).toMatch(/^device=/);
  });

  it("sets last_sign_in_at and records success and failure with IP and user agent, never the password", async () => {
    const { user, password, token } = await createUserWithSession("member");
    const db = await getDb();
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0].lastSignInAt).toBeNull();
    const ua = "Mozilla/5.0 (login-audit-test)";
    const ip = freshIp();
    const wrong = strongPassword();
    expect((await login(loginRequest({ email: user.email, password: wrong }, { ip, headers: { "user-agent": ua } }))).status).toBe(401);
    expect((await db.select().from(users).where(eq(users.id, user.id)))[0].lastSignInAt).toBeNull();
    const before = Date.now();
    const res = await login(loginRequest({ email: user.email, password }, { ip, headers: { "user-agent": ua }, cookie: `session=${token}` }));
    expect(res.status).toBe(200);
    const [row] = await db.select().from(users).where(eq(users.id, user.id));
    expect(row.lastSignInAt).not.toBeNull();
    expect(row.lastSignInAt!.getTime()).toBeGreaterThan(before - 5_000);

    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetUserId, user.id));
    const failed = events.find((e) => e.action === "user.login_failed");
    const ok = events.find((e) => e.action === "user.login");
    expect(failed).toMatchObject({ actorUserId: null, targetEmail: user.email, ip, userAgent: ua });
    expect(ok).toMatchObject({ actorUserId: user.id, actorEmail: user.email, targetEmail: user.email, ip, userAgent: ua });
    const text = JSON.stringify(events);
    for (const secret of [password, wrong, token, cookieFrom(res)!.split("=")[1]]) expect(text).not.toContain(secret);

    // An unknown address: recorded without a target (and without the typed address).
    const nobody = uniqueEmail("nobody");
    const unknownIp = freshIp();
    expect((await login(loginRequest({ email: nobody, password: wrong }, { ip: unknownIp, headers: { "user-agent": ua } }))).status).toBe(401);
    const [anon] = await db.select().from(auditEvents).where(and(eq(auditEvents.ip, unknownIp), eq(auditEvents.action, "user.login_failed")));
    expect(anon).toMatchObject({ targetUserId: null, targetEmail: null, userAgent: ua });
    expect(JSON.stringify(anon)).not.toContain(nobody);
  });

  it("a user agent longer than 256 characters is cut", async () => {
    const { user, password } = await createUserWithSession("member");
    const ip = freshIp();
    expect((await login(loginRequest({ email: user.email, password }, { ip, headers: { "user-agent": "U".repeat(1000) } }))).status).toBe(200);
    const db = await getDb();
    const [ev] = await db.select().from(auditEvents).where(and(eq(auditEvents.ip, ip), eq(auditEvents.action, "user.login")));
    expect(ev.userAgent).toBe("U".repeat(256));
  });
});
