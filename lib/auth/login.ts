import { eq } from "drizzle-orm";
import type { DB } from "../../db";
import { users } from "../../db/schema";
import { audit } from "../audit";
import { lookupEmail } from "../email";
import { dummyHash, verifyPassword } from "./password";
import { createSession, revokeSessionToken, type SessionUser } from "./session";

export type LoginResult =
  | { ok: true; user: SessionUser; session: { token: string; expiresAt: Date } }
  | { ok: false; reason: "invalid_credentials" };

/**
 * Exactly one bcrypt comparison whatever the email: an unknown, unclaimed or disabled account is
 * compared against a dummy hash of the same cost, so the answer and its cost reveal nothing.
 */
export async function login(
  db: DB,
  input: { email: string; password: string; currentSessionToken?: string | null; ip?: string | null },
): Promise<LoginResult> {
  // The same canonical form the invitation stored (lib/email.ts): "ΟΔΟΣ@x" signs in as invited. An
  // address no account can have (control characters, no "@") is simply unknown, and still costs the
  // same bcrypt comparison below.
  const canonical = lookupEmail(input.email);
  const [user] = canonical ? await db.select().from(users).where(eq(users.emailCanonical, canonical)).limit(1) : [];
  const usable = user && user.passwordHash && !user.disabledAt ? user : null;
  const matches = await verifyPassword(input.password, usable?.passwordHash ?? (await dummyHash()));
  if (!usable || !matches) {
    await audit(db, { action: "user.login_failed", targetUserId: user?.id ?? null, ip: input.ip });
    return { ok: false, reason: "invalid_credentials" };
  }
  // A fresh session on every sign-in; the one this browser had (if any) is revoked.
  await revokeSessionToken(db, input.currentSessionToken);
  const session = await createSession(db, usable.id);
  await audit(db, { action: "user.login", actorUserId: usable.id, targetUserId: usable.id, ip: input.ip });
  return { ok: true, user: { id: usable.id, email: usable.email, role: usable.role }, session };
}
