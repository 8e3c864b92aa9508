import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A random secret of `bytes` bytes (at least 32), base64url without padding. */
export function randomSecret(bytes = 32): string {
  if (bytes < 32) throw new Error("secrets are at least 32 bytes");
  return randomBytes(bytes).toString("base64url");
}

/** What the database stores in place of a secret. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** Constant-time equality for secrets and their hashes. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, "utf8");
  const bb = Buffer.from(b, "utf8");
  if (ab.length !== bb.length) {
    // Still compare something of the same length so the time does not depend on where they differ.
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

/** Link secrets and session tokens are 43 base64url characters (32 bytes); anything else is not ours. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43,128}$/;
