import { sql } from "drizzle-orm";
import type { DB } from "../db";
import { env, rateLimitOverride } from "./env";
import { knownDevice } from "./auth/device";
import { sha256Hex } from "./auth/tokens";

/**
 * Fixed-window counters in the database, so every app instance shares them and they survive a
 * restart. One atomic upsert per hit; it runs on the pool, never inside a request's business
 * transaction, so a rolled-back claim still counts.
 */
export type Limit = { name: string; max: number; windowSeconds: number };

// Defaults (documented in the README); each can be changed with RATE_LIMIT_<NAME>=<max>/<seconds>,
// e.g. RATE_LIMIT_LOGIN_IP=200/900 (see rateLimitOverride in lib/env.ts). Per-link limits bound a storm on one invitation; per-IP
// limits bound one client; login is limited per (IP, email), and per IP unless the browser carries
// a device cookie for that account (then per device and email); never per account, so a stranger
// cannot lock a user out.
export const LIMITS = {
  getTokenPerIp: { name: "get_token:ip", max: 60, windowSeconds: 600 },
  getTokenPerLink: { name: "get_token:link", max: 20, windowSeconds: 600 },
  claimPerIp: { name: "claim:ip", max: 30, windowSeconds: 600 },
  claimPerLink: { name: "claim:link", max: 10, windowSeconds: 600 },
  loginPerIpEmail: { name: "login:ip_email", max: 10, windowSeconds: 900 },
  loginPerIp: { name: "login:ip", max: 100, windowSeconds: 900 },
  // Instead of login:ip for a browser whose device cookie is valid for the account (lib/auth/device.ts).
  loginPerDeviceEmail: { name: "login:device_email", max: 10, windowSeconds: 900 },
  // A signed-in user's password change, per (IP, user): the current password is guessed no faster than at login.
  passwordChangePerIpUser: { name: "password_change:ip_user", max: 10, windowSeconds: 900 },
  // Every address invited or re-issued counts, one by one in a bulk invite.
  invitePerAdmin: { name: "invite:admin", max: 1000, windowSeconds: 3600 },
  // Forgot password: over the IP's limit, 429; over the address's, accepted (202) and not recorded.
  forgotPerIp: { name: "forgot:ip", max: 10, windowSeconds: 900 },
  forgotPerAddress: { name: "forgot:address", max: 10, windowSeconds: 3600 },
} satisfies Record<string, Limit>;

export type LimitResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export function rateLimitsEnabled(): boolean {
  return env().RATE_LIMITS !== "off";
}

export async function hit(db: DB, configured: Limit, subject: string): Promise<LimitResult> {
  if (!rateLimitsEnabled()) return { ok: true };
  const limit = { ...configured, ...rateLimitOverride(configured.name) };
  // Keys are hashed: no email, IP or link hash is stored in clear here.
  const key = sha256Hex(`${limit.name}\u0000${subject}`);
  const window = `${limit.windowSeconds} seconds`;
  const result = await db.execute(sql`
    INSERT INTO rate_limits (key, count, reset_at)
    VALUES (${key}, 1, now() + ${window}::interval)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
      reset_at = CASE WHEN rate_limits.reset_at <= now() THEN now() + ${window}::interval ELSE rate_limits.reset_at END
    RETURNING count, ceil(extract(epoch from (reset_at - now())))::int AS retry_after`);
  const row = rows<{ count: number; retry_after: number }>(result)[0];
  if (!row || Number(row.count) <= limit.max) return { ok: true };
  return { ok: false, retryAfterSeconds: Math.max(1, Number(row.retry_after)) };
}

/** Hits every limit (so each counts the request) and reports the longest wait, if any is over. */
export async function hitAll(db: DB, checks: Array<[Limit, string]>): Promise<LimitResult> {
  let worst: LimitResult = { ok: true };
  for (const [limit, subject] of checks) {
    const r = await hit(db, limit, subject);
    if (!r.ok && (worst.ok || r.retryAfterSeconds > worst.retryAfterSeconds)) worst = r;
  }
  return worst;
}

/**
 * The limits on guessing an account's password, shared by login and re-authentication (so a stolen
 * session cookie buys no extra guesses): per (IP, account), and per IP unless the browser carries a
 * valid device cookie for the account (lib/auth/device.ts), then per (device, account). `account` is
 * the canonical address. Also returns the device id (null without a valid cookie).
 */
export async function hitPasswordLimits(
  db: DB,
  input: { cookies: string | null; account: string; ip: string },
): Promise<{ limit: LimitResult; device: string | null }> {
  const device = knownDevice(input.cookies, input.account);
  const limit = await hitAll(db, [
    device ? [LIMITS.loginPerDeviceEmail, `${device}|${input.account}`] : [LIMITS.loginPerIp, input.ip],
    [LIMITS.loginPerIpEmail, `${input.ip}|${input.account}`],
  ]);
  return { limit, device };
}

// node-postgres returns { rows }, PGlite returns { rows } too, but typed differently.
export function rows<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
