import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { env } from "../env";

/**
 * bcrypt reads at most 72 bytes: two passwords sharing their first 72 bytes would be the same
 * password. Every password is therefore pre-hashed (SHA-256, base64: 44 ASCII bytes, no NUL) before
 * bcrypt sees it. NFC normalisation makes "é" typed two ways the same password.
 */
function prehash(password: string): string {
  return createHash("sha256").update(password.normalize("NFC"), "utf8").digest("base64");
}

export function bcryptCost(): number {
  return env().BCRYPT_COST;
}

export async function hashPassword(password: string, cost = bcryptCost()): Promise<string> {
  return bcrypt.hash(prehash(password), cost);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(prehash(password), hash);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Login compares against this when there is no usable hash (unknown email, unclaimed or disabled
 * user), so every failed login costs the same bcrypt work.
 */
export function dummyHash(cost = bcryptCost()): Promise<string> {
  let h = dummyHashes.get(cost);
  if (!h) {
    h = bcrypt.hash(prehash("not-a-real-password-" + Math.random()), cost);
    dummyHashes.set(cost, h);
  }
  return h;
}
