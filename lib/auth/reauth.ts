import { and, eq, sql } from "drizzle-orm";
import type { DB } from "../../db";
import { sessions, users } from "../../db/schema";
import { audit, type RequestMeta } from "../audit";
import { dummyHash, verifyPassword } from "./password";
import { sessionIsLive } from "./session";

// Re-authentication: a signed-in user proves their password again, and the session they are using
// counts as fresh for REAUTH_MAX_AGE_SECONDS (lib/auth/session.ts validateSessionToken computes
// `fresh`; lib/authz.ts says which routes need it). The session keeps its token: nothing in the
// browser changes, only sessions.authenticated_at.

export type ReauthResult = { ok: true } | { ok: false; reason: "invalid_credentials" };

/**
 * Exactly one bcrypt comparison, as login (against a dummy hash of the same cost if the account has
 * no usable password, which a live session's user always has; the cost is the same either way). A
 * wrong password is "user.reauth_failed"; the route counts it in the login rate limits. On success one
 * transaction sets authenticated_at on this session (only while it is still live and still this
 * user's) and records "user.reauthenticated".
 */
export async function reauthenticate(
  db: DB,
  input: { sessionId: string; userId: string; password: string } & RequestMeta,
): Promise<ReauthResult> {
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  const [user] = await db
    .select({ passwordHash: users.passwordHash, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, input.userId))
    .limit(1);
  const hash = user && !user.disabledAt ? user.passwordHash : null;
  const matches = await verifyPassword(input.password, hash ?? (await dummyHash()));
  if (!hash || !matches) {
    await audit(db, { action: "user.reauth_failed", actorUserId: input.userId, targetUserId: input.userId, ...meta });
    return { ok: false, reason: "invalid_credentials" };
  }
  return db.transaction(async (tx) => {
    // The password verified above must still be the user's: a change or reset in between revoked
    // this session, and a disable ends it too, so the UPDATE finds nothing.
    const [done] = await tx
      .update(sessions)
      .set({ authenticatedAt: sql`now()`, lastUsedAt: sql`now()` })
      .where(
        and(
          eq(sessions.id, input.sessionId),
          eq(sessions.userId, input.userId),
          sessionIsLive(),
          sql`EXISTS (SELECT 1 FROM users u WHERE u.id = ${input.userId}::uuid AND u.password_hash = ${hash} AND u.disabled_at IS NULL)`,
        ),
      )
      .returning({ id: sessions.id });
    if (!done) return { ok: false, reason: "invalid_credentials" } as const;
    await audit(tx, { action: "user.reauthenticated", actorUserId: input.userId, targetUserId: input.userId, ...meta });
    return { ok: true } as const;
  });
}
