import { env } from "../env";
import { runHashTask } from "./hash-pool";

// bcrypt (bcryptjs) over a SHA-256 pre-hash (lib/auth/prehash.mjs: no 72-byte truncation, NFC),
// always in the hashing pool's worker threads (lib/auth/hash-pool.ts), never on the request thread.
// When the pool's queue is full these throw ServerBusyError (503 server_busy).

export function bcryptCost(): number {
  return env().BCRYPT_COST;
}

export async function hashPassword(password: string, cost = bcryptCost()): Promise<string> {
  return runHashTask<string>({ op: "hash", password, cost });
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return runHashTask<boolean>({ op: "compare", password, hash });
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Login compares against this when there is no usable hash (unknown email, unclaimed or disabled
 * user), so every failed login costs the same bcrypt work.
 */
export function dummyHash(cost = bcryptCost()): Promise<string> {
  let h = dummyHashes.get(cost);
  if (!h) {
    h = hashPassword("not-a-real-password-" + Math.random(), cost);
    // A failure (a full queue) must not be remembered: the next login tries again.
    h.catch(() => dummyHashes.delete(cost));
    dummyHashes.set(cost, h);
  }
  return h;
}
