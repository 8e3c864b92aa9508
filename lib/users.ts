import { and, count, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { DB } from "../db";
import { invitations, users, type Role } from "../db/schema";
import { audit } from "./audit";
import { hashPassword } from "./auth/password";
import { revokeUserSessions } from "./auth/session";
import { checkEmail } from "./email";
import { env } from "./env";
import { createInvitation } from "./invitations";
import { logger } from "./logger";
import { checkPasswordPolicy } from "./password-strength";

export type UserListItem = {
  id: string;
  email: string;
  role: Role;
  status: "active" | "pending" | "disabled";
  createdAt: Date;
};

export async function listUsers(db: DB): Promise<UserListItem[]> {
  // Newest first, so recent invitees are always on the list.
  const all = await db.select().from(users).orderBy(desc(users.createdAt)).limit(500);
  return all.map((u) => ({
    id: u.id,
    email: u.email,
    role: u.role,
    status: u.disabledAt ? "disabled" : u.passwordHash ? "active" : "pending",
    createdAt: u.createdAt,
  }));
}

export type UpdateUserResult =
  | { ok: true; user: UserListItem }
  | { ok: false; reason: "user_not_found" | "cannot_change_self" | "forbidden" };

/**
 * Role changes and disabling. Disabling revokes every session and live invitation of the user.
 *
 * There is always an active admin, by construction: nobody can demote or disable themselves, and
 * whoever changes another user must still be an active admin at the moment of the change (checked
 * under a lock that serialises these changes), so that admin remains. Two admins demoting each
 * other at once: the first wins, the second is no longer an admin and is refused.
 */
export async function updateUser(
  db: DB,
  input: { id: string; actorUserId: string; role?: Role; disabled?: boolean; ip?: string | null },
): Promise<UpdateUserResult> {
  if (input.id === input.actorUserId) return { ok: false, reason: "cannot_change_self" };
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727273)`);
    // The route checked the actor's role before this lock; one demoted or disabled meanwhile (by a
    // change that held the lock first) may no longer act.
    const [actor] = await tx
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.id, input.actorUserId), eq(users.role, "admin"), isNull(users.disabledAt), isNotNull(users.passwordHash)));
    if (!actor) return { ok: false, reason: "forbidden" } as const;
    const [user] = await tx.select().from(users).where(eq(users.id, input.id)).for("update");
    if (!user) return { ok: false, reason: "user_not_found" } as const;
    const patch: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (input.role && input.role !== user.role) patch.role = input.role;
    if (input.disabled === true && !user.disabledAt) patch.disabledAt = new Date();
    if (input.disabled === false && user.disabledAt) patch.disabledAt = null;
    const [updated] = await tx.update(users).set(patch).where(eq(users.id, user.id)).returning();
    if (patch.role) {
      await audit(tx, { action: "user.role_changed", actorUserId: input.actorUserId, targetUserId: user.id, ip: input.ip, details: { from: user.role, to: patch.role } });
    }
    if (patch.disabledAt) {
      await revokeUserSessions(tx, user.id);
      await tx
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.userId, user.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
      await audit(tx, { action: "user.disabled", actorUserId: input.actorUserId, targetUserId: user.id, ip: input.ip });
    } else if (patch.disabledAt === null) {
      await audit(tx, { action: "user.enabled", actorUserId: input.actorUserId, targetUserId: user.id, ip: input.ip });
    }
    return {
      ok: true,
      user: {
        id: updated.id,
        email: updated.email,
        role: updated.role,
        status: updated.disabledAt ? "disabled" : updated.passwordHash ? "active" : "pending",
        createdAt: updated.createdAt,
      },
    } as const;
  });
}

export type BootstrapResult =
  | { action: "none" }
  | { action: "created_admin"; email: string }
  | { action: "invited_admin"; email: string; url: string }
  | { action: "invitation_pending"; email: string }
  | { action: "blocked"; email: string; message: string };

/**
 * First start: with no active admin, create one from ADMIN_EMAIL + ADMIN_PASSWORD, or else an admin
 * invitation whose link the caller prints once. Never touches an existing password. Advisory-locked
 * so two instances starting together bootstrap once.
 */
export async function ensureFirstAdmin(db: DB): Promise<BootstrapResult> {
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = env();
  const checked = checkEmail(email);
  if (!checked.ok) return { action: "blocked", email, message: `ADMIN_EMAIL cannot be used: ${checked.message}` };
  const passwordHash = password !== undefined ? await preparedAdminHash(password, email) : undefined;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(727274)`);
    const [{ n }] = await tx
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, "admin"), isNull(users.disabledAt), sql`${users.passwordHash} IS NOT NULL`));
    if (n > 0) return { action: "none" } as const;

    const [existing] = await tx.select().from(users).where(eq(users.emailCanonical, checked.canonical));
    if (existing?.passwordHash) {
      return {
        action: "blocked",
        email,
        message: `No active admin exists, and ${email} already has a password (as a ${existing.role}${existing.disabledAt ? ", disabled" : ""}); it is left unchanged. Set ADMIN_EMAIL to another address to bootstrap an admin.`,
      } as const;
    }
    if (passwordHash) {
      const [admin] = existing
        ? await tx.update(users).set({ role: "admin", passwordHash, disabledAt: null, updatedAt: new Date() }).where(eq(users.id, existing.id)).returning()
        : await tx.insert(users).values({ email: checked.email, emailCanonical: checked.canonical, role: "admin", passwordHash }).returning();
      await tx
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.userId, admin.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
      await audit(tx, { action: "admin.bootstrapped", targetUserId: admin.id, details: { via: "ADMIN_PASSWORD" } });
      return { action: "created_admin", email: admin.email } as const;
    }
    if (existing) {
      const [live] = await tx
        .select({ id: invitations.id })
        .from(invitations)
        .where(
          and(
            eq(invitations.userId, existing.id),
            eq(invitations.isAccepted, false),
            isNull(invitations.revokedAt),
            sql`${invitations.expiresAt} > now()`,
          ),
        );
      // Its link was printed when it was made; we keep only a hash, so it cannot be shown again.
      if (live && existing.role === "admin") return { action: "invitation_pending", email: existing.email } as const;
    }
    const created = await createInvitation(tx, { email, role: "admin", createdBy: null });
    if (!created.ok) return { action: "blocked", email, message: `Could not invite ${email}.` } as const;
    await audit(tx, { action: "admin.bootstrapped", targetUserId: null, invitationId: created.invitation.id, details: { via: "invitation" } });
    return { action: "invited_admin", email: created.invitation.email, url: created.invitation.url } as const;
  });
}

async function preparedAdminHash(password: string, email: string): Promise<string> {
  const policy = await checkPasswordPolicy(password, email);
  if (!policy.ok) {
    logger.error("ADMIN_PASSWORD does not meet the password policy");
    throw new Error(`ADMIN_PASSWORD does not meet the password policy: ${policy.message}`);
  }
  return hashPassword(password);
}
