import { createHmac } from "node:crypto";
import { isHttpsApp } from "../env";
import { authSecrets, deriveKey } from "./secret";
import { serializeCookie, singleCookieValue } from "./session";
import { constantTimeEqual, randomSecret } from "./tokens";

// Device cookies (OWASP, "Slow down online guessing attacks with device cookies"): a browser that
// has signed in to an account gets a long-lived, signed, HttpOnly cookie naming a random device id
// bound to that account. A sign-in that carries a valid one for the account it signs in to is
// counted against its own per-(device, email) limit instead of the per-IP one, so a stranger
// exhausting the shared address's limit (a NAT, a corporate proxy) cannot lock that person out.
// The cookie holds no email: the binding is the HMAC over (id, canonical email).

export const DEVICE_COOKIE_SECONDS = 365 * 24 * 3600;
const PATTERN = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** `__Host-` over https, like the session cookie. */
export function deviceCookieName(): string {
  return isHttpsApp() ? "__Host-device" : "device";
}

function mac(secret: string, id: string, canonicalEmail: string): string {
  return createHmac("sha256", deriveKey(secret, "device-cookie-v1")).update(`${id}\u0000${canonicalEmail}`).digest("base64url");
}

/** A fresh device cookie for this account, as a Set-Cookie value. */
export function deviceCookie(canonicalEmail: string): string {
  const id = randomSecret(32);
  const value = `${id}.${mac(authSecrets().current, id, canonicalEmail)}`;
  return serializeCookie(deviceCookieName(), value, DEVICE_COOKIE_SECONDS, new Date(Date.now() + DEVICE_COOKIE_SECONDS * 1000));
}

/**
 * The device id of a request's device cookie when it is valid for this account, else null (none,
 * two of them, malformed, forged, or issued for another account). AUTH_SECRET_PREVIOUS still
 * verifies, so a rotation does not forget every browser.
 */
export function knownDevice(cookieHeader: string | null | undefined, canonicalEmail: string): string | null {
  const match = PATTERN.exec(singleCookieValue(cookieHeader, deviceCookieName()) ?? "");
  if (!match) return null;
  const [, id, given] = match;
  const { current, previous } = authSecrets();
  for (const secret of previous === undefined ? [current] : [current, previous]) {
    if (constantTimeEqual(mac(secret, id, canonicalEmail), given)) return id;
  }
  return null;
}
