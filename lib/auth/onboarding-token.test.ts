import { randomUUID } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLOCK_SKEW_SECONDS, ONBOARDING_AUDIENCE, ONBOARDING_JWT_TYPE, signOnboardingToken, verifyOnboardingToken } from "./onboarding-token";
import { deriveKey } from "./secret";
import { randomSecret } from "./tokens";

// The purpose string the module derives its key with (a test below proves it is the right one).
const PURPOSE = "onboarding-jwt/v1";
const ISSUER = "http://localhost:3000";

const SAVED = {
  AUTH_SECRET: process.env.AUTH_SECRET,
  AUTH_SECRET_PREVIOUS: process.env.AUTH_SECRET_PREVIOUS,
  APP_URL: process.env.APP_URL,
  ONBOARDING_TOKEN_TTL_SECONDS: process.env.ONBOARDING_TOKEN_TTL_SECONDS,
};
const CURRENT = "current-secret-current-secret-current-0001";
const PREVIOUS = "previous-secret-previous-secret-previous-02";

beforeEach(() => {
  process.env.AUTH_SECRET = CURRENT;
  delete process.env.AUTH_SECRET_PREVIOUS;
  process.env.APP_URL = ISSUER;
  delete process.env.ONBOARDING_TOKEN_TTL_SECONDS;
});
afterEach(() => {
  for (const [k, v] of Object.entries(SAVED)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const now = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

type Opts = {
  alg?: string;
  typ?: string | null;
  secret?: string;
  key?: Uint8Array;
  iss?: string;
  aud?: string;
  sub?: string;
  inv?: string | null;
  /** The link kind claim; absent unless given (as in tokens signed before kinds existed). */
  kind?: unknown;
  iat?: number;
  nbf?: number;
  exp?: number;
};

/** A token shaped like ours, with any part overridden. */
async function craft(o: Opts = {}): Promise<string> {
  const t = now();
  const header: { alg: string; typ?: string } = { alg: o.alg ?? "HS256" };
  if (o.typ !== null) header.typ = o.typ ?? ONBOARDING_JWT_TYPE;
  const claims: Record<string, unknown> = {};
  if (o.inv !== null) claims.inv = o.inv ?? randomUUID();
  if (o.kind !== undefined) claims.kind = o.kind;
  return new SignJWT(claims)
    .setProtectedHeader(header)
    .setIssuer(o.iss ?? ISSUER)
    .setAudience(o.aud ?? ONBOARDING_AUDIENCE)
    .setSubject(o.sub ?? randomUUID())
    .setIssuedAt(o.iat ?? t)
    .setNotBefore(o.nbf ?? t)
    .setExpirationTime(o.exp ?? t + 600)
    .sign(o.key ?? deriveKey(o.secret ?? CURRENT, PURPOSE));
}

describe("signOnboardingToken / verifyOnboardingToken", () => {
  it("round-trips the user and invitation ids, and the expiry", async () => {
    const userId = randomUUID();
    const invitationId = randomUUID();
    const before = Date.now();
    const { token, expiresAt } = await signOnboardingToken({ userId, invitationId });
    const claims = await verifyOnboardingToken(token);
    expect(claims).toEqual({ userId, invitationId, kind: "invite", expiresAt });
    expect(expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 900_000);
    expect(expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 900_000);
  });

  it("writes the expected header and claims", async () => {
    const userId = randomUUID();
    const invitationId = randomUUID();
    const at = new Date("2030-01-01T00:00:00Z");
    const { token, expiresAt } = await signOnboardingToken({ userId, invitationId }, at);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "onboarding+jwt" });
    const iat = at.getTime() / 1000;
    expect(decodeJwt(token)).toEqual({ inv: invitationId, kind: "invite", sub: userId, iss: ISSUER, aud: "onboarding", iat, nbf: iat, exp: iat + 900 });
    expect(expiresAt.getTime()).toBe((iat + 900) * 1000);
  });

  it("signs exactly the bytes jose's SignJWT would, for both kinds and any issuer", async () => {
    for (const [kind, issuer] of [["invite", ISSUER], ["reset", "https://dash.example.com/team"]] as const) {
      process.env.APP_URL = issuer;
      const userId = randomUUID();
      const invitationId = randomUUID();
      const at = new Date("2030-01-01T00:00:00Z");
      const iat = at.getTime() / 1000;
      const ours = signOnboardingToken({ userId, invitationId, kind }, at).token;
      const theirs = await new SignJWT({ inv: invitationId, kind })
        .setProtectedHeader({ alg: "HS256", typ: ONBOARDING_JWT_TYPE })
        .setIssuer(issuer)
        .setAudience(ONBOARDING_AUDIENCE)
        .setSubject(userId)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + 900)
        .sign(deriveKey(CURRENT, PURPOSE));
      expect(ours).toBe(theirs);
      // And jose, verifying with the derived key on its own, accepts it.
      const { payload } = await jwtVerify(ours, deriveKey(CURRENT, PURPOSE), { algorithms: ["HS256"], typ: ONBOARDING_JWT_TYPE, issuer, audience: ONBOARDING_AUDIENCE, currentDate: at });
      expect(payload).toMatchObject({ sub: userId, inv: invitationId, kind });
    }
  });

  it("uses ONBOARDING_TOKEN_TTL_SECONDS for the lifetime", async () => {
    process.env.ONBOARDING_TOKEN_TTL_SECONDS = "60";
    const at = new Date("2030-01-01T00:00:00Z");
    const { token } = await signOnboardingToken({ userId: randomUUID(), invitationId: randomUUID() }, at);
    const p = decodeJwt(token);
    expect(p.exp! - p.iat!).toBe(60);
  });

  it("accepts a hand-crafted HS256 token with the derived key (the key derivation below is the module's)", async () => {
    const sub = randomUUID();
    const inv = randomUUID();
    expect(await verifyOnboardingToken(await craft({ sub, inv }))).toMatchObject({ userId: sub, invitationId: inv });
  });

  it("carries the link's kind: reset round-trips, and a token without the claim (signed before kinds) is an invite", async () => {
    const userId = randomUUID();
    const invitationId = randomUUID();
    const { token } = await signOnboardingToken({ userId, invitationId, kind: "reset" });
    expect(decodeJwt(token).kind).toBe("reset");
    expect(await verifyOnboardingToken(token)).toMatchObject({ userId, invitationId, kind: "reset" });
    expect(await verifyOnboardingToken(await craft({ sub: userId, inv: invitationId }))).toMatchObject({ kind: "invite" });
    expect(await verifyOnboardingToken(await craft({ kind: "invite" }))).toMatchObject({ kind: "invite" });
  });

  it("rejects an unknown or malformed kind claim", async () => {
    for (const kind of ["admin", "", "RESET", 1, null, ["reset"], { reset: true }]) {
      expect(await verifyOnboardingToken(await craft({ kind }))).toBeNull();
    }
  });
});

describe("verifyOnboardingToken rejects", () => {
  it('alg "none" (an unsigned token)', async () => {
    const t = now();
    const header = b64url({ alg: "none", typ: "onboarding+jwt" });
    const payload = b64url({ inv: randomUUID(), sub: randomUUID(), iss: ISSUER, aud: "onboarding", iat: t, nbf: t, exp: t + 600 });
    expect(await verifyOnboardingToken(`${header}.${payload}.`)).toBeNull();
  });

  it("HS512 and HS384 tokens signed with the right derived key", async () => {
    expect(await verifyOnboardingToken(await craft({ alg: "HS512" }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ alg: "HS384" }))).toBeNull();
  });

  it("a token signed with another key", async () => {
    expect(await verifyOnboardingToken(await craft({ secret: "some-other-secret-some-other-secret-000" }))).toBeNull();
    // The raw AUTH_SECRET (not derived for this purpose) is another key too.
    expect(await verifyOnboardingToken(await craft({ key: new TextEncoder().encode(CURRENT) }))).toBeNull();
    // The right secret derived for another purpose.
    expect(await verifyOnboardingToken(await craft({ key: deriveKey(CURRENT, "session/v1") }))).toBeNull();
  });

  it("an expired token, beyond the clock skew", async () => {
    expect(CLOCK_SKEW_SECONDS).toBe(30);
    const t = now();
    expect(await verifyOnboardingToken(await craft({ iat: t - 1000, nbf: t - 1000, exp: t - 45 }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ iat: t - 2000, nbf: t - 2000, exp: t - 900 }))).toBeNull();
  });

  it("but still accepts a token expired less than the skew ago", async () => {
    const t = now();
    const inv = randomUUID();
    const claims = await verifyOnboardingToken(await craft({ iat: t - 900, nbf: t - 900, exp: t - 10, inv }));
    expect(claims?.invitationId).toBe(inv);
  });

  it("a token whose nbf is in the future beyond the skew (but accepts one within it)", async () => {
    const t = now();
    expect(await verifyOnboardingToken(await craft({ nbf: t + 120, exp: t + 900 }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ nbf: t + 10, exp: t + 900 }))).not.toBeNull();
  });

  it("the wrong audience", async () => {
    expect(await verifyOnboardingToken(await craft({ aud: "session" }))).toBeNull();
  });

  it("the wrong issuer", async () => {
    expect(await verifyOnboardingToken(await craft({ iss: "https://evil.example" }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ iss: "http://localhost:3001" }))).toBeNull();
  });

  it("a token after APP_URL changed (the issuer is the app)", async () => {
    const token = await craft();
    process.env.APP_URL = "https://app.example.com";
    expect(await verifyOnboardingToken(token)).toBeNull();
  });

  it("a wrong or missing typ header", async () => {
    expect(await verifyOnboardingToken(await craft({ typ: "JWT" }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ typ: "session+jwt" }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ typ: null }))).toBeNull();
  });

  it("a token without the inv claim", async () => {
    expect(await verifyOnboardingToken(await craft({ inv: null }))).toBeNull();
  });

  it("a tampered payload (one character changed)", async () => {
    const { token } = await signOnboardingToken({ userId: randomUUID(), invitationId: randomUUID() });
    expect(await verifyOnboardingToken(token)).not.toBeNull();
    const [h, p, s] = token.split(".");
    const i = Math.floor(p.length / 2);
    const swapped = p[i] === "A" ? "B" : "A";
    const tampered = `${h}.${p.slice(0, i)}${swapped}${p.slice(i + 1)}.${s}`;
    expect(tampered).not.toBe(token);
    expect(await verifyOnboardingToken(tampered)).toBeNull();

    // A payload re-encoded with another invitation id, keeping the signature.
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const forged = `${h}.${b64url({ ...payload, inv: randomUUID() })}.${s}`;
    expect(await verifyOnboardingToken(forged)).toBeNull();
  });

  it("a random 43-character session-like token, garbage, empty and oversized strings", async () => {
    expect(await verifyOnboardingToken(randomSecret())).toBeNull();
    expect(await verifyOnboardingToken("not.a.jwt")).toBeNull();
    expect(await verifyOnboardingToken("")).toBeNull();
    expect(await verifyOnboardingToken("a".repeat(5000))).toBeNull();
    expect(await verifyOnboardingToken(undefined as unknown as string)).toBeNull();
  });
});

describe("key rotation", () => {
  it("verifies a token signed with AUTH_SECRET_PREVIOUS only while it is set", async () => {
    const inv = randomUUID();
    const oldToken = await craft({ secret: PREVIOUS, inv });
    expect(await verifyOnboardingToken(oldToken)).toBeNull();
    process.env.AUTH_SECRET_PREVIOUS = PREVIOUS;
    expect((await verifyOnboardingToken(oldToken))?.invitationId).toBe(inv);
    delete process.env.AUTH_SECRET_PREVIOUS;
    expect(await verifyOnboardingToken(oldToken)).toBeNull();
  });

  it("a token signed before a rotation keeps working after it", async () => {
    process.env.AUTH_SECRET = PREVIOUS;
    const { token } = await signOnboardingToken({ userId: randomUUID(), invitationId: randomUUID() });
    process.env.AUTH_SECRET = CURRENT;
    expect(await verifyOnboardingToken(token)).toBeNull();
    process.env.AUTH_SECRET_PREVIOUS = PREVIOUS;
    expect(await verifyOnboardingToken(token)).not.toBeNull();
  });

  it("the previous key does not rescue a token with another defect", async () => {
    process.env.AUTH_SECRET_PREVIOUS = PREVIOUS;
    const t = now();
    expect(await verifyOnboardingToken(await craft({ secret: PREVIOUS, aud: "session" }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ secret: PREVIOUS, exp: t - 120, nbf: t - 900, iat: t - 900 }))).toBeNull();
    expect(await verifyOnboardingToken(await craft({ secret: PREVIOUS, alg: "HS512" }))).toBeNull();
  });

  it("signOnboardingToken always signs with AUTH_SECRET, never with the previous secret", async () => {
    process.env.AUTH_SECRET_PREVIOUS = PREVIOUS;
    const { token } = await signOnboardingToken({ userId: randomUUID(), invitationId: randomUUID() });
    await expect(jwtVerify(token, deriveKey(CURRENT, PURPOSE))).resolves.toBeTruthy();
    await expect(jwtVerify(token, deriveKey(PREVIOUS, PURPOSE))).rejects.toThrow();
    delete process.env.AUTH_SECRET_PREVIOUS;
    expect(await verifyOnboardingToken(token)).not.toBeNull();
  });

  it("refuses a short AUTH_SECRET_PREVIOUS instead of silently ignoring it", async () => {
    process.env.AUTH_SECRET_PREVIOUS = "too-short";
    await expect(verifyOnboardingToken(await craft())).rejects.toThrow(/AUTH_SECRET_PREVIOUS must be at least 32 bytes/);
  });
});
