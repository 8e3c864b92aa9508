import { errors, jwtVerify, SignJWT } from "jose";
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
 * The HMAC key per secret (AUTH_SECRET, and AUTH_SECRET_PREVIOUS while rotating), imported once:
 * handed raw bytes, jose would derive and import the key again on every sign and verify.
 */
const keys = new Map<string, Promise<CryptoKey>>();
function jwtKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", deriveKey(secret, PURPOSE), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

export type OnboardingClaims = { userId: string; invitationId: string; kind: LinkKind; expiresAt: Date };

/**
 * `kind` is signed into the token (claim `kind`), so a token issued for an invitation never claims a
 * reset link of the same row id, nor the reverse (the claim compares it with the row's kind).
 */
export async function signOnboardingToken(input: { userId: string; invitationId: string; kind?: LinkKind }, now = new Date()) {
  const { current } = authSecrets();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + env().ONBOARDING_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ inv: input.invitationId, kind: input.kind ?? "invite" })
    .setProtectedHeader({ alg: "HS256", typ: ONBOARDING_JWT_TYPE })
    .setIssuer(env().APP_URL)
    .setAudience(ONBOARDING_AUDIENCE)
    .setSubject(input.userId)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .sign(await jwtKey(current));
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Returns the claims, or null for anything not a valid, current onboarding token of ours. */
export async function verifyOnboardingToken(token: string): Promise<OnboardingClaims | null> {
  if (typeof token !== "string" || token.length === 0 || token.length > 2048) return null;
  const { current, previous } = authSecrets();
  // AUTH_SECRET_PREVIOUS verifies tokens signed before a rotation; it never signs.
  for (const secret of previous ? [current, previous] : [current]) {
    try {
      const { payload } = await jwtVerify(token, await jwtKey(secret), {
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
