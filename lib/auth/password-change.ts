import { and, eq, isNull, sql } from "drizzle-orm";
import type { DB } from "../../db";
import { sessions, users } from "../../db/schema";
import { audit, type RequestMeta } from "../audit";
import { enqueueMail } from "../mail/outbox";
import { currentLocale, tr } from "../i18n/request-locale";
import { checkPasswordPolicy, type PolicyResult } from "../password-strength";
import { dummyHash, hashPassword, verifyPassword } from "./password";
import { createSession } from "./session";

type PolicyRule = Extract<PolicyResult, { ok: false }>["rule"] | "same_as_current";

export type PasswordChangeResult =
  | { ok: true; session: { token: string; expiresAt: Date }; revokedSessions: number }
  /** The current password is wrong, or (`changed_meanwhile`) no longer current: the hash changed or the user was disabled in between. */
  | { ok: false; reason: "invalid_credentials"; changedMeanwhile?: true }
  | { ok: false; reason: "weak_password"; rule: PolicyRule; message: string };

/**
 * A signed-in user changes their own password; the current password is the proof (no other
 * re-authentication). Exactly one bcrypt comparison whatever happens (like login), before anything
 * else: a wrong current password is refused the same way whatever the new one is. The new password is
 * checked against the policy and hashed before the transaction opens (on PGlite a transaction holds
 * the only connection). Then one transaction: the conditional UPDATE (only if the hash is still the one
 * verified and the user is not disabled), every session of the user revoked (this one too), a fresh
 * session minted, the audit event. Any failure rolls it all back.
 */
export async function changePassword(
  db: DB,
  input: { userId: string; currentPassword: string; newPassword: string } & RequestMeta,
): Promise<PasswordChangeResult> {
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  const [user] = await db
    .select({ id: users.id, email: users.email, passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, input.userId))
    .limit(1);
  const usable = user && user.passwordHash && !user.disabledAt ? user : null;
  const oldHash = usable?.passwordHash ?? null;
  // The one comparison (against a dummy hash of the same cost when there is no usable hash).
  const matches = await verifyPassword(input.currentPassword, oldHash ?? (await dummyHash()));
  if (!usable || !oldHash || !matches) {
    await audit(db, {
      action: "user.password_change_failed",
      actorUserId: input.userId,
      targetUserId: input.userId,
      ...meta,
      details: { reason: "invalid_credentials" },
    });
    return { ok: false, reason: "invalid_credentials" };
  }

  // The current password just verified, so comparing the strings is enough (verifyPassword normalises
  // to NFC, so must this): no second bcrypt comparison.
  if (input.newPassword.normalize("NFC") === input.currentPassword.normalize("NFC")) {
    return { ok: false, reason: "weak_password", rule: "same_as_current", message: tr("password.policy.sameAsCurrent") };
  }
  const policy = await checkPasswordPolicy(input.newPassword, usable.email, currentLocale());
  if (!policy.ok) return { ok: false, reason: "weak_password", rule: policy.rule, message: policy.message };

  const newHash = await hashPassword(input.newPassword);

  return db.transaction(async (tx) => {
    // The arbiter: only the hash that was verified above is replaced. Zero rows means another request
    // changed the password (or an admin disabled the user) in between: nothing has been written.
    const [updated] = await tx
      .update(users)
      .set({ passwordHash: newHash, updatedAt: sql`now()` })
      .where(and(eq(users.id, usable.id), eq(users.passwordHash, oldHash), isNull(users.disabledAt)))
      .returning({ id: users.id });
    if (!updated) return { ok: false, reason: "invalid_credentials", changedMeanwhile: true } as const;
    // Every session of the user, the current one included: the browser gets the fresh one below.
    const revoked = await tx
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, usable.id), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    // "Your password was changed; if this wasn't you…", queued with the change (email on only).
    await enqueueMail(tx, { kind: "password_changed", recipient: usable.email, userId: usable.id, data: { at: new Date().toISOString() } });
    const session = await createSession(tx, usable.id, meta);
    await audit(tx, {
      action: "user.password_changed",
      actorUserId: usable.id,
      targetUserId: usable.id,
      ...meta,
      // Counts only: no password, hash or token.
      details: { revoked_sessions: revoked.length },
    });
    return { ok: true, session, revokedSessions: revoked.length } as const;
  });
}
