// Adversarial: forged, tampered or misplaced onboarding JWTs against POST /api/onboarding/claim_token.
//
// Every refusal is checked the same way: exact 401 body, no Set-Cookie, the user's row, invitations
// and sessions unchanged (snapshot() before/after), and the link still claimable afterwards with the
// genuine token, so the refusal was about the forged JWT and nothing else (a strong password and the
// right link secret are sent every time). A control test proves the forging helpers produce a token
// the server accepts when nothing is wrong with it, so every "forged → 401" can really fail.
import { createHmac, randomInt } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { users } from "@/db/schema";
import { CLOCK_SKEW_SECONDS, ONBOARDING_AUDIENCE, ONBOARDING_JWT_TYPE } from "@/lib/auth/onboarding-token";
import { deriveKey } from "@/lib/auth/secret";
import { errorMessage, type ErrorCode } from "@/lib/errors";
import { createUserWithSession, inviteUser, request, snapshot, strongPassword } from "@/lib/testing/api";
import { POST as createInvitationRoute } from "../invitations/route";
import { GET as meGet } from "../me/route";
import { POST as claim } from "../onboarding/claim_token/route";
import { GET as getToken } from "../onboarding/get_token/route";

const AUTH_SECRET = process.env.AUTH_SECRET ?? "";
const APP_URL = process.env.APP_URL ?? "http://localhost:3000";
/** The key the server signs onboarding JWTs with. */
const RIGHT_KEY = deriveKey(AUTH_SECRET, "onboarding-jwt/v1");

/** A random client address, so per-IP rate limits never mix with other tests (or a shared database). */
function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

/** A compact JWS signed by hand, so any header, payload, algorithm and key can be forged. */
function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: Uint8Array | string, hash = "sha256") {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest("base64url")}`;
}

type Invite = Awaited<ReturnType<typeof inviteUser>> & { userId: string };

async function invite(): Promise<Invite> {
  const inv = await inviteUser();
  const db = await getDb();
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, inv.email));
  return { ...inv, userId: u.id };
}

/** The claims the server itself would put in a token for this invitation; `over` replaces or (undefined) removes. */
function claimsFor(inv: Invite, over: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  return {
    inv: inv.id,
    sub: inv.userId,
    iss: APP_URL,
    aud: ONBOARDING_AUDIENCE,
    iat: t,
    nbf: t,
    exp: t + 600,
    ...over,
  };
}

const GOOD_HEADER = { alg: "HS256", typ: ONBOARDING_JWT_TYPE };

async function genuineJwt(secret: string): Promise<string> {
  const res = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`, { ip: randomIp() }));
  expect(res.status).toBe(200);
  return ((await res.json()) as { onboarding_token: string }).onboarding_token;
}

function claimRequest(authorization: string | null, payload: unknown, extra: { cookie?: string } = {}) {
  return request("/api/onboarding/claim_token", {
    body: payload,
    headers: authorization === null ? {} : { authorization },
    ip: randomIp(),
    ...extra,
  });
}

async function expectError(res: Response, status: number, code: ErrorCode) {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error: { code, message: errorMessage(code) } });
  expect(res.headers.get("set-cookie")).toBeNull();
}

/** Sends `authorization` with the right link secret and a strong password; expects `code` and no write. */
async function expectRefused(inv: Invite, authorization: string | null, code: ErrorCode = "invalid_onboarding_token", payload?: unknown) {
  const before = await snapshot(inv.userId);
  expect(before.user.passwordHash).toBeNull();
  const res = await claim(claimRequest(authorization, payload ?? { token: inv.secret, password: strongPassword() }));
  await expectError(res, 401, code);
  expect(await snapshot(inv.userId)).toEqual(before);
}

/** The refusal burned nothing: the genuine token still claims the link. */
async function expectStillClaimable(inv: Invite) {
  const res = await claim(claimRequest(`Bearer ${await genuineJwt(inv.secret)}`, { token: inv.secret, password: strongPassword() }));
  expect(res.status).toBe(200);
  const after = await snapshot(inv.userId);
  expect(after.user.passwordHash).not.toBeNull();
  expect(after.invitations[0].isAccepted).toBe(true);
  expect(after.sessions).toHaveLength(1);
}

describe("forged onboarding JWTs on POST /api/onboarding/claim_token", () => {
  it("has the test secret it forges with", () => {
    expect(Buffer.byteLength(AUTH_SECRET)).toBeGreaterThanOrEqual(32);
  });

  it("control: a token forged with the right key, algorithm and claims is accepted (so the helpers are sound)", async () => {
    const inv = await invite();
    const res = await claim(claimRequest(`Bearer ${signJwt(GOOD_HEADER, claimsFor(inv), RIGHT_KEY)}`, { token: inv.secret, password: strongPassword() }));
    expect(res.status).toBe(200);
    expect((await snapshot(inv.userId)).user.passwordHash).not.toBeNull();
  });

  it(`control: a token that expired ${CLOCK_SKEW_SECONDS - 20} s ago is still inside the ${CLOCK_SKEW_SECONDS} s skew and accepted`, async () => {
    const inv = await invite();
    const t = now();
    const jwt = signJwt(GOOD_HEADER, claimsFor(inv, { iat: t - 900, nbf: t - 900, exp: t - (CLOCK_SKEW_SECONDS - 20) }), RIGHT_KEY);
    const res = await claim(claimRequest(`Bearer ${jwt}`, { token: inv.secret, password: strongPassword() }));
    expect(res.status).toBe(200);
  });

  type Forge = (inv: Invite) => string | Promise<string>;
  const forged: Array<[string, Forge]> = [
    ["alg none, empty signature", (inv) => `${b64({ alg: "none", typ: ONBOARDING_JWT_TYPE })}.${b64(claimsFor(inv))}.`],
    ["alg none, no signature part", (inv) => `${b64({ alg: "none", typ: ONBOARDING_JWT_TYPE })}.${b64(claimsFor(inv))}`],
    ["alg 'None' with the right key's HS256 signature", (inv) => signJwt({ alg: "None", typ: ONBOARDING_JWT_TYPE }, claimsFor(inv), RIGHT_KEY)],
    ["HS256 with a wrong key", (inv) => signJwt(GOOD_HEADER, claimsFor(inv), "wrong-key-wrong-key-wrong-key-wrong-key")],
    ["HS256 with the raw AUTH_SECRET instead of the derived key", (inv) => signJwt(GOOD_HEADER, claimsFor(inv), AUTH_SECRET)],
    ["HS256 with a key derived for another purpose", (inv) => signJwt(GOOD_HEADER, claimsFor(inv), deriveKey(AUTH_SECRET, "session/v1"))],
    ["HS256 with an empty key", (inv) => signJwt(GOOD_HEADER, claimsFor(inv), "")],
    ["HS512 with the right derived key", (inv) => signJwt({ alg: "HS512", typ: ONBOARDING_JWT_TYPE }, claimsFor(inv), RIGHT_KEY, "sha512")],
    ["HS384 with the right derived key", (inv) => signJwt({ alg: "HS384", typ: ONBOARDING_JWT_TYPE }, claimsFor(inv), RIGHT_KEY, "sha384")],
    [
      `expired ${CLOCK_SKEW_SECONDS + 1} s ago (beyond the ${CLOCK_SKEW_SECONDS} s skew)`,
      (inv) => {
        const t = now();
        return signJwt(GOOD_HEADER, claimsFor(inv, { iat: t - 900, nbf: t - 900, exp: t - (CLOCK_SKEW_SECONDS + 1) }), RIGHT_KEY);
      },
    ],
    ["expired an hour ago", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { iat: now() - 4500, nbf: now() - 4500, exp: now() - 3600 }), RIGHT_KEY)],
    ["nbf 5 minutes in the future", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { nbf: now() + 300, exp: now() + 900 }), RIGHT_KEY)],
    ["wrong audience", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { aud: "session" }), RIGHT_KEY)],
    ["audience array without 'onboarding'", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { aud: ["dashboard", "api"] }), RIGHT_KEY)],
    ["no audience", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { aud: undefined }), RIGHT_KEY)],
    ["wrong issuer", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { iss: "https://evil.example" }), RIGHT_KEY)],
    ["issuer with a trailing slash", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { iss: `${APP_URL}/` }), RIGHT_KEY)],
    ["typ 'JWT'", (inv) => signJwt({ alg: "HS256", typ: "JWT" }, claimsFor(inv), RIGHT_KEY)],
    ["no typ", (inv) => signJwt({ alg: "HS256" }, claimsFor(inv), RIGHT_KEY)],
    ["no inv claim", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { inv: undefined }), RIGHT_KEY)],
    ["no exp claim", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { exp: undefined }), RIGHT_KEY)],
    ["no nbf claim", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { nbf: undefined }), RIGHT_KEY)],
    ["inv as a number", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { inv: 1 }), RIGHT_KEY)],
    ["genuine token with its signature stripped", async (inv) => (await genuineJwt(inv.secret)).split(".").slice(0, 2).join(".") + "."],
    [
      "genuine token with one signature character flipped",
      async (inv) => {
        const jwt = await genuineJwt(inv.secret);
        const i = jwt.length - 5;
        return jwt.slice(0, i) + (jwt[i] === "A" ? "B" : "A") + jwt.slice(i + 1);
      },
    ],
    [
      "genuine token re-headed as alg none (signature kept)",
      async (inv) => {
        const [, payload, sig] = (await genuineJwt(inv.secret)).split(".");
        return `${b64({ alg: "none", typ: ONBOARDING_JWT_TYPE })}.${payload}.${sig}`;
      },
    ],
    ["longer than 2048 characters (right key)", (inv) => signJwt(GOOD_HEADER, claimsFor(inv, { pad: "x".repeat(2100) }), RIGHT_KEY)],
  ];

  it.each(forged)("refuses %s with 401 invalid_onboarding_token and writes nothing", async (_name, forge) => {
    const inv = await invite();
    await expectRefused(inv, `Bearer ${await forge(inv)}`);
    await expectStillClaimable(inv);
  });

  it("refuses a tampered payload (sub swapped to another user's id, signature kept)", async () => {
    const victim = await invite();
    const attacker = await invite();
    const attackerJwt = await genuineJwt(attacker.secret);
    const [header, payload, sig] = attackerJwt.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims.sub).toBe(attacker.userId);

    const victimBefore = await snapshot(victim.userId);
    // sub swapped only, sent with the attacker's own link secret
    const subSwapped = `${header}.${b64({ ...claims, sub: victim.userId })}.${sig}`;
    await expectRefused(attacker, `Bearer ${subSwapped}`);
    // sub and inv both swapped, sent with the victim's link secret (which the attacker should not have)
    const bothSwapped = `${header}.${b64({ ...claims, sub: victim.userId, inv: victim.id })}.${sig}`;
    await expectRefused(victim, `Bearer ${bothSwapped}`);
    expect(await snapshot(victim.userId)).toEqual(victimBefore);

    await expectStillClaimable(victim);
    await expectStillClaimable(attacker);
  });

  it("refuses a valid JWT for another invitation with 401 onboarding_token_mismatch", async () => {
    const mine = await invite();
    const other = await invite();
    const otherJwt = await genuineJwt(other.secret);
    const otherBefore = await snapshot(other.userId);
    await expectRefused(mine, `Bearer ${otherJwt}`, "onboarding_token_mismatch");
    expect(await snapshot(other.userId)).toEqual(otherBefore);
    await expectStillClaimable(mine);
    await expectStillClaimable(other);
  });

  it("refuses a real session token in the Authorization header, and the session stays valid", async () => {
    const inv = await invite();
    const member = await createUserWithSession("member");
    const memberBefore = await snapshot(member.user.id);
    await expectRefused(inv, `Bearer ${member.token}`);
    // Sent with the session cookie as well: still refused, and that session is not revoked by a failed claim.
    const before = await snapshot(inv.userId);
    const res = await claim(claimRequest(`Bearer ${member.token}`, { token: inv.secret, password: strongPassword() }, { cookie: member.cookie }));
    await expectError(res, 401, "invalid_onboarding_token");
    expect(await snapshot(inv.userId)).toEqual(before);
    expect(await snapshot(member.user.id)).toEqual(memberBefore);
    expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(200);
    await expectStillClaimable(inv);
  });

  it("refuses a JWT sent in the body, a cookie or the query string instead of the Authorization header", async () => {
    const inv = await invite();
    const jwt = await genuineJwt(inv.secret);
    const payload = {
      token: inv.secret,
      password: strongPassword(),
      onboarding_token: jwt,
      onboardingToken: jwt,
      jwt,
      authorization: `Bearer ${jwt}`,
    };
    await expectRefused(inv, null, "invalid_onboarding_token", payload);

    const before = await snapshot(inv.userId);
    const viaCookie = await claim(
      claimRequest(null, { token: inv.secret, password: strongPassword() }, { cookie: `onboarding_token=${jwt}; authorization=Bearer%20${jwt}` }),
    );
    await expectError(viaCookie, 401, "invalid_onboarding_token");
    const viaQuery = await claim(
      request(`/api/onboarding/claim_token?onboarding_token=${jwt}&access_token=${jwt}`, {
        body: { token: inv.secret, password: strongPassword() },
        ip: randomIp(),
      }),
    );
    await expectError(viaQuery, 401, "invalid_onboarding_token");
    expect(await snapshot(inv.userId)).toEqual(before);
    await expectStillClaimable(inv);
  });

  it.each([
    ["'Bearer' with no token", "Bearer"],
    ["'Bearer ' with only spaces", "Bearer    "],
    ["'Bearer' with a tab", "Bearer\t"],
    ["the JWT without the Bearer scheme", "<jwt>"],
    ["the JWT with the Basic scheme", "Basic <jwt>"],
    ["'Bearer' glued to the JWT", "Bearer<jwt>"],
    ["two tokens", "Bearer <jwt> <jwt>"],
  ])("refuses an Authorization header of %s", async (_name, template) => {
    const inv = await invite();
    const jwt = await genuineJwt(inv.secret);
    await expectRefused(inv, template.replaceAll("<jwt>", jwt));
    await expectStillClaimable(inv);
  });

  it("accepts a lowercase 'bearer' scheme (the auth scheme is case-insensitive, RFC 7235; the route's regex has the i flag)", async () => {
    const inv = await invite();
    const jwt = await genuineJwt(inv.secret);
    const res = await claim(claimRequest(`bearer ${jwt}`, { token: inv.secret, password: strongPassword() }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^session=[A-Za-z0-9_-]{43};/);
    expect((await snapshot(inv.userId)).invitations[0].isAccepted).toBe(true);
  });

  it("does not accept a valid onboarding JWT as a session cookie (GET /api/me, POST /api/invitations)", async () => {
    const inv = await invite();
    const jwt = await genuineJwt(inv.secret);
    const me = await meGet(request("/api/me", { cookie: `session=${jwt}` }));
    await expectError(me, 401, "unauthorized");

    const email = `jwt-cookie-${randomInt(1e9)}@example.com`;
    const created = await createInvitationRoute(request("/api/invitations", { body: { email }, cookie: `session=${jwt}`, ip: randomIp() }));
    await expectError(created, 401, "unauthorized");
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);

    // Even once the invitation is claimed (the user is now active), the JWT is still not a session.
    await expectStillClaimable(inv);
    await expectError(await meGet(request("/api/me", { cookie: `session=${jwt}` })), 401, "unauthorized");
  });
});
