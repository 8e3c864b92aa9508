import { eq, sql } from "drizzle-orm";
import type { DB } from "../../db";
import { users } from "../../db/schema";
import { audit, type RequestMeta } from "../audit";
import { lookupEmail } from "../email";
import { dummyHash, verifyPassword } from "./password";
import { createSession, revokeSessionToken, validateSessionToken, type SessionUser } from "./session";

export type LoginResult =
  | { ok: true; user: SessionUser; session: { token: string; expiresAt: Date } }
  | { ok: false; reason: "invalid_credentials" };

/**
 * Exactly one bcrypt comparison whatever the email: an unknown, unclaimed or disabled account is
 * compared against a dummy hash of the same cost, so the answer and its cost reveal nothing.
 */
export async function login(
  db: DB,
  input: { email: string; password: string; currentSessionToken?: string | null } & RequestMeta,
): Promise<LoginResult> {
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  // The same canonical form the invitation stored (lib/email.ts): "ΟΔΟΣ@x" signs in as invited. An
  // address no account can have (control characters, no "@") is simply unknown, and still costs the
  // same bcrypt comparison below.
  const canonical = lookupEmail(input.email);
  const [user] = canonical ? await db.select().from(users).where(eq(users.emailCanonical, canonical)).limit(1) : [];
  const usable = user && user.passwordHash && !user.disabledAt ? user : null;
  const matches = await verifyPassword(input.password, usable?.passwordHash ?? (await dummyHash()));
  if (!usable || !matches) {
    // The typed address is not recorded (it may be a mistyped password); a known account is named by its id.
    await audit(db, { action: "user.login_failed", targetUserId: user?.id ?? null, ...meta });
    return { ok: false, reason: "invalid_credentials" };
  }
  // A fresh session on every sign-in; the one this browser had (if any) is revoked.
  await revokeSessionToken(db, input.currentSessionToken);
  const session = await createSession(db, usable.id, meta);
  await db.update(users).set({ lastSignInAt: sql`now()` }).where(eq(users.id, usable.id));
  await audit(db, { action: "user.login", actorUserId: usable.id, targetUserId: usable.id, ...meta });
  return { ok: true, user: { id: usable.id, email: usable.email, role: usable.role }, session };
}

/** Revokes the session behind `token` (if any); a live one is recorded as a logout. */
export async function logout(db: DB, token: string | null | undefined, meta: RequestMeta = {}): Promise<void> {
  if (!token) return;
  const session = await validateSessionToken(db, token);
  await revokeSessionToken(db, token);
  if (session) {
    await audit(db, {
      action: "user.logout",
      actorUserId: session.user.id,
      targetUserId: session.user.id,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
    });
  }
}
