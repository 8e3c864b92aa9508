import { createHmac } from "node:crypto";
import { errors, jwtVerify } from "jose";
import { env } from "../env";
import { authSecrets, deriveKey } from "./secret";

/**
 * The onboarding JWT: proof that its holder opened a particular invitation link recently. It is
 * never a session and carries no authority on its own; the claim also needs the link secret.
 */
export const ONBOARDING_JWT_TYPE = "onboarding+jwt";
export const ONBOARDING_AUDIENCE = "onboarding";
export const CLOCK_SKEW_SECONDS = 30;
const PURPOSE = "onboarding-jwt/v1";

/** What the link was made for: a first invitation, or a password reset of an existing account. */
export type LinkKind = "invite" | "reset";
const KINDS: readonly string[] = ["invite", "reset"] satisfies LinkKind[];

/**
 * The HMAC key per secret (AUTH_SECRET, and AUTH_SECRET_PREVIOUS while rotating), derived once: its
 * bytes for signing, and the CryptoKey jose verifies with (handed raw bytes, jose would import the
 * key again on every verify).
 */
const keys = new Map<string, { bytes: Uint8Array<ArrayBuffer>; verifying: Promise<CryptoKey> }>();
function jwtKey(secret: string) {
  let key = keys.get(secret);
  if (!key) {
    const bytes = deriveKey(secret, PURPOSE);
    key = { bytes, verifying: crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]) };
    keys.set(secret, key);
  }
  return key;
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: ONBOARDING_JWT_TYPE })).toString("base64url");

export type OnboardingClaims = { userId: string; invitationId: string; kind: LinkKind; expiresAt: Date };

/**
 * `kind` is signed into the token (claim `kind`), so a token issued for an invitation never claims a
 * reset link of the same row id, nor the reverse (the claim compares it with the row's kind).
 *
 * Signed here with node:crypto's HMAC, synchronously: a compact JWS is the two base64url JSON parts
 * and their HMAC-SHA256, and jose would sign through WebCrypto, an asynchronous job on libuv's thread
 * pool that cost every get_token about 0.1 ms. The bytes are exactly those jose's SignJWT produces
 * (a test compares them); jose still does the verifying, where the care is needed.
 */
export function signOnboardingToken(input: { userId: string; invitationId: string; kind?: LinkKind }, now = new Date()) {
  const { current } = authSecrets();
  const e = env();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + e.ONBOARDING_TOKEN_TTL_SECONDS;
  const claims = { inv: input.invitationId, kind: input.kind ?? "invite", iss: e.APP_URL, aud: ONBOARDING_AUDIENCE, sub: input.userId, iat, nbf: iat, exp };
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const signature = createHmac("sha256", jwtKey(current).bytes).update(signingInput).digest("base64url");
  return { token: `${signingInput}.${signature}`, expiresAt: new Date(exp * 1000) };
}

/** Returns the claims, or null for anything not a valid, current onboarding token of ours. */
export async function verifyOnboardingToken(token: string): Promise<OnboardingClaims | null> {
  if (typeof token !== "string" || token.length === 0 || token.length > 2048) return null;
  const { current, previous } = authSecrets();
  // AUTH_SECRET_PREVIOUS verifies tokens signed before a rotation; it never signs.
  for (const secret of previous ? [current, previous] : [current]) {
    try {
      const { payload } = await jwtVerify(token, await jwtKey(secret).verifying, {
        algorithms: ["HS256"],
        typ: ONBOARDING_JWT_TYPE,
        audience: ONBOARDING_AUDIENCE,
        issuer: env().APP_URL,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: ["sub", "inv", "iat", "exp", "nbf"],
      });
      if (typeof payload.sub !== "string" || typeof payload.inv !== "string" || typeof payload.exp !== "number") {
        return null;
      }
      // Tokens signed before links had kinds carry no `kind`: they were all invitations.
      const kind = payload.kind === undefined ? "invite" : payload.kind;
      if (typeof kind !== "string" || !KINDS.includes(kind)) return null;
      return { userId: payload.sub, invitationId: payload.inv, kind: kind as LinkKind, expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      // Only a bad signature is worth trying the previous key for.
      if (!(err instanceof errors.JWSSignatureVerificationFailed)) return null;
    }
  }
  return null;
}
