import { and, count, eq, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import type { DB } from "../db";
import { invitations, users, type Role, type User } from "../db/schema";
import { audit, type RequestMeta } from "./audit";
import { hashPassword } from "./auth/password";
import { revokeUserSessions } from "./auth/session";
import { randomSecret, sha256Hex } from "./auth/tokens";
import { canonicalEmail, checkEmail } from "./email";
import { env } from "./env";
import { createInvitation, emailOf, invitationUrl, reissueInvitation, type CreateInvitationResult, type CreatedInvitation } from "./invitations";
import { afterCursor, cursorTimestamp, newestFirst, page, type Keyset } from "./keyset";
import { logger } from "./logger";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./i18n/locales";
import { enqueueMail, userLocale } from "./mail/outbox";
import { checkPasswordPolicy } from "./password-strength";

export type UserStatus = "pending" | "active" | "disabled";

export type UserListItem = {
  id: string;
  email: string;
  role: Role;
  status: UserStatus;
  createdAt: Date;
  lastSignInAt: Date | null;
};

export const USER_STATUSES = ["pending", "active", "disabled"] as const;
export const MAX_USERS_PAGE = 100;
export const DEFAULT_USERS_PAGE = 50;

export type ListUsersQuery = {
  /** Part of the address (3–254 characters), matched case-insensitively on the canonical form. */
  q?: string;
  role?: Role;
  status?: UserStatus;
  /** 1..100, default 50. */
  limit?: number;
  /** A position decoded from a `users` cursor (lib/keyset.ts decodeCursor). */
  after?: Keyset | null;
};

export type UsersPage = { users: UserListItem[]; nextCursor: string | null };

function statusOf(u: { disabledAt: Date | null; passwordHash: string | null }): UserStatus {
  return u.disabledAt ? "disabled" : u.passwordHash ? "active" : "pending";
}

/** `%`, `_` and `\` match themselves in a LIKE pattern (escape character `\`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function statusCondition(status: UserStatus): SQL {
  switch (status) {
    case "pending":
      return sql`${users.passwordHash} IS NULL AND ${users.disabledAt} IS NULL`;
    case "active":
      return sql`${users.passwordHash} IS NOT NULL AND ${users.disabledAt} IS NULL`;
    case "disabled":
      return sql`${users.disabledAt} IS NOT NULL`;
  }
}

/**
 * One page of users, newest first by (created_at DESC, id DESC), keyset-paged (lib/keyset.ts): no
 * OFFSET and no cap other than the page size; `nextCursor` is null on the last page. The search
 * compares the canonical address (lib/email.ts) with LIKE, so "ALICE" finds "alice@…" and a `%` or
 * `_` in the query matches only itself; the trigram index (migration 0002) serves it.
 */
export async function listUsers(db: DB, query: ListUsersQuery = {}): Promise<UsersPage> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_USERS_PAGE), 1), MAX_USERS_PAGE);
  const found = await usersPageQuery(db, query, limit + 1);
  const { rows, nextCursor } = page("users", found, limit);
  return { users: rows.map(toListItem), nextCursor };
}

const NEWEST_FIRST = newestFirst(users.createdAt, users.id);

/** The query for up to `limit` matching users after `query.after`, newest first (exported for plan tests). */
export function usersPageQuery(db: DB, query: ListUsersQuery, limit: number) {
  const where: SQL[] = [];
  if (query.q !== undefined) where.push(sql`${users.emailCanonical} LIKE ${`%${escapeLike(canonicalEmail(query.q))}%`} ESCAPE '\\'`);
  if (query.role) where.push(eq(users.role, query.role));
  if (query.status) where.push(statusCondition(query.status));
  if (query.after) where.push(afterCursor(users.createdAt, users.id, query.after));
  return db
    .select({
      id: users.id,
      email: users.email,
      role: users.role,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
      lastSignInAt: users.lastSignInAt,
      cursor_ts: cursorTimestamp(users.createdAt),
    })
    .from(users)
    .where(where.length ? and(...where) : undefined)
    .orderBy(...NEWEST_FIRST)
    .limit(limit);
}

function toListItem(u: { id: string; email: string; role: Role; passwordHash: string | null; disabledAt: Date | null; createdAt: Date; lastSignInAt: Date | null }): UserListItem {
  return { id: u.id, email: u.email, role: u.role, status: statusOf(u), createdAt: u.createdAt, lastSignInAt: u.lastSignInAt };
}

/** A user as the API shows it (snake_case, ISO times); never the password hash. */
export function userJson(u: UserListItem) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    status: u.status,
    created_at: u.createdAt.toISOString(),
    last_sign_in_at: u.lastSignInAt ? u.lastSignInAt.toISOString() : null,
  };
}

export type UpdateUserResult =
  | { ok: true; user: UserListItem }
  | { ok: false; reason: "user_not_found" | "cannot_change_self" | "forbidden" | "user_disabled" };

/** Under the admin-change lock: is the actor still an active admin? (The route checked before the lock.) */
async function actorStillAdmin(tx: DB, actorUserId: string): Promise<boolean> {
  // Serialises every admin change to users (role, disable, delete).
  await tx.execute(sql`select pg_advisory_xact_lock(727273)`);
  const [actor] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.id, actorUserId), eq(users.role, "admin"), isNull(users.disabledAt), isNotNull(users.passwordHash)));
  return Boolean(actor);
}

/**
 * Role changes and disabling. Disabling revokes every session and live invitation of the user.
 *
 * There is always an active admin, by construction: nobody can demote or disable themselves, and
 * whoever changes another user must still be an active admin at the moment of the change (checked
 * under a lock that serialises these changes), so that admin remains. Two admins demoting each
 * other at once: the first wins, the second is no longer an admin and is refused.
 *
 * A disabled user's role cannot be changed (user_disabled): a role is changed only on an account
 * that is enabled at that moment. So `{disabled: false, role}` enables, then changes the role, and
 * `{disabled: true, role}` changes the role, then disables; both are one transaction and record
 * both events in that order. `{role}` alone (or with `disabled: true`) on a disabled user → 409.
 */
export async function updateUser(
  db: DB,
  input: { id: string; actorUserId: string; role?: Role; disabled?: boolean } & RequestMeta,
): Promise<UpdateUserResult> {
  if (input.id === input.actorUserId) return { ok: false, reason: "cannot_change_self" };
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  return db.transaction(async (tx) => {
    // The route checked the actor's role before this lock; one demoted or disabled meanwhile (by a
    // change that held the lock first) may no longer act.
    if (!(await actorStillAdmin(tx, input.actorUserId))) return { ok: false, reason: "forbidden" } as const;
    const [user] = await tx.select().from(users).where(eq(users.id, input.id)).for("update");
    if (!user) return { ok: false, reason: "user_not_found" } as const;
    const enabling = input.disabled === false && user.disabledAt !== null;
    const disabling = input.disabled === true && user.disabledAt === null;
    const disabledBefore = user.disabledAt !== null && !enabling;
    if (input.role !== undefined && disabledBefore) return { ok: false, reason: "user_disabled" } as const;

    const patch: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (input.role && input.role !== user.role) patch.role = input.role;
    if (disabling) patch.disabledAt = new Date();
    if (enabling) patch.disabledAt = null;
    const [updated] = await tx.update(users).set(patch).where(eq(users.id, user.id)).returning();
    const by = { actorUserId: input.actorUserId, targetUserId: user.id, ...meta };
    if (enabling) await audit(tx, { action: "user.enabled", ...by });
    if (patch.role) await audit(tx, { action: "user.role_changed", ...by, details: { from: user.role, to: patch.role } });
    if (disabling) {
      await revokeUserSessions(tx, user.id);
      const revoked = await tx
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.userId, user.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      for (const inv of revoked) await audit(tx, { action: "invitation.revoked", ...by, invitationId: inv.id, details: { reason: "by_disable" } });
      await audit(tx, { action: "user.disabled", ...by });
    }
    return { ok: true, user: toListItem(updated) } as const;
  });
}

export const DEFAULT_RESET_SECONDS = 24 * 3600;
export const MAX_RESET_SECONDS = 7 * 24 * 3600;

/** `url` is null when email is on: the link was queued for the user only (`emailed`). */
export type IssuedReset = { id: string; email: string; kind: "reset"; url: string | null; expiresAt: Date; locale: Locale; emailed: boolean };
export type IssueResetResult =
  | { ok: true; invitation: IssuedReset }
  | { ok: false; reason: "user_not_found" | "cannot_change_self" | "forbidden" | "user_disabled" | "user_pending" };

/**
 * A password-reset link (an `invitations` row of kind "reset") for a user who has a password and is
 * not disabled. Nobody resets themselves (cannot_change_self: they change their password instead); a
 * never-claimed user gets their invitation re-issued instead (user_pending).
 *
 * Under the same advisory lock and acting-admin re-check as updateUser (an admin demoted or disabled
 * while this was in flight is refused: forbidden), then the user row's lock, then its invitations
 * (lock order user → invitation). The user's earlier open link of either kind is revoked (one live
 * link per user), each revocation its own "invitation.revoked" event (reason by_reset), and the reset
 * itself is "invitation.reset_issued" with who issued it. Issuing changes neither the password nor
 * the sessions: claiming the link does, in one transaction (lib/onboarding.ts claimInvitation). The
 * link secret is returned once, inside `url`; only its hash is stored.
 */
export async function issueReset(
  db: DB,
  input: { id: string; actorUserId: string; expiresInSeconds?: number } & RequestMeta,
): Promise<IssueResetResult> {
  if (input.id === input.actorUserId) return { ok: false, reason: "cannot_change_self" };
  const seconds = input.expiresInSeconds ?? DEFAULT_RESET_SECONDS;
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  return db.transaction(async (tx) => {
    if (!(await actorStillAdmin(tx, input.actorUserId))) return { ok: false, reason: "forbidden" } as const;
    const [user] = await tx.select().from(users).where(eq(users.id, input.id)).for("update");
    if (!user) return { ok: false, reason: "user_not_found" } as const;
    if (user.disabledAt !== null) return { ok: false, reason: "user_disabled" } as const;
    if (user.passwordHash === null) return { ok: false, reason: "user_pending" } as const;
    const invitation = await writeResetLink(tx, user, { actorUserId: input.actorUserId, seconds, ...meta });
    return { ok: true, invitation } as const;
  });
}

/**
 * The writes of a reset, inside the caller's transaction, with the user row already locked (lock
 * order user → invitation): the user's open links revoked, the reset row, its audit events, and —
 * with email on — its email in the outbox. With email on the link is only mailed (url null), so
 * nobody but the account's owner ever holds it. Shared by an admin's reset (issueReset) and the
 * sign-in page's forgot-password request (lib/forgot-password.ts, actor null).
 */
export async function writeResetLink(
  tx: DB,
  user: User,
  input: { actorUserId: string | null; seconds: number } & RequestMeta,
): Promise<IssuedReset> {
  const secret = randomSecret(32);
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  // The language of the user's latest invitation (or earlier reset link), which this link inherits:
  // its page and its email use it. Not the requester's: an admin's language is the admin's, and the
  // sign-in page's request may come from anyone (and is decided out of band, with no request).
  const locale = await userLocale(tx, user.id);
  const revoked = await tx
    .update(invitations)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(invitations.userId, user.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)))
    .returning({ id: invitations.id, live: sql<boolean>`${invitations.expiresAt} > now()` });
  const [inv] = await tx
    .insert(invitations)
    .values({
      userId: user.id,
      kind: "reset",
      role: user.role,
      emailCanonical: user.emailCanonical,
      tokenHash: sha256Hex(secret),
      createdBy: input.actorUserId,
      expiresAt: sql`now() + make_interval(secs => ${input.seconds})`,
      locale,
    })
    .returning();
  const requested = input.actorUserId ? "admin" : "self_service";
  const by = { actorUserId: input.actorUserId, targetUserId: user.id, ...meta };
  for (const old of revoked) {
    await audit(tx, { action: "invitation.revoked", ...by, invitationId: old.id, details: { reason: "by_reset", replaced_by: inv.id, expired: old.live !== true } });
  }
  const queued = await enqueueMail(tx, {
    kind: "reset",
    recipient: user.email,
    userId: user.id,
    invitationId: inv.id,
    data: { requested, by: input.actorUserId ? await emailOf(tx, input.actorUserId) : null, expires_at: inv.expiresAt.toISOString() },
    locale,
    secret,
  });
  await audit(tx, {
    action: "invitation.reset_issued",
    ...by,
    invitationId: inv.id,
    details: { expires_at: inv.expiresAt.toISOString(), revoked: revoked.map((r) => r.id), requested, emailed: queued !== null },
  });
  return {
    id: inv.id,
    email: user.email,
    kind: "reset",
    url: queued === null ? invitationUrl(secret) : null,
    expiresAt: inv.expiresAt,
    locale,
    emailed: queued !== null,
  };
}

export async function userExists(db: DB, id: string): Promise<boolean> {
  const [found] = await db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1);
  return found !== undefined;
}

export type ReissueResult =
  | { ok: true; invitation: Omit<CreatedInvitation, "url"> & { url: string | null } }
  | Exclude<CreateInvitationResult, { ok: true }>
  | Exclude<IssueResetResult, { ok: true }>
  | { ok: false; reason: "invitation_not_found" | "reauth_required" };

/**
 * "Re-issue" on any row of the invitations list: a fresh link of the same kind for the same person.
 * An invitation is re-issued as one (lib/invitations.ts reissueInvitation, the user's current role);
 * a reset link as a new reset (issueReset, with all its checks). A new link that grants admin, or a
 * reset (which hands over an account), needs a recent password like inviting an admin
 * (`fresh`, lib/authz.ts REAUTH): reauth_required otherwise, before anything is written.
 */
export async function reissueLink(
  db: DB,
  input: { id: string; actorUserId: string; fresh: boolean } & RequestMeta,
): Promise<ReissueResult> {
  const [found] = await db
    .select({ kind: invitations.kind, userId: users.id, email: users.email, role: users.role, locale: invitations.locale })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .where(eq(invitations.id, input.id));
  if (!found) return { ok: false, reason: "invitation_not_found" };
  if ((found.kind === "reset" || found.role === "admin") && !input.fresh) return { ok: false, reason: "reauth_required" };
  const meta = { ip: input.ip, userAgent: input.userAgent };
  // An invitation keeps its language (the old row's locale); a reset takes the user's latest link's.
  if (found.kind === "invite") return reissueInvitation(db, { ...found, locale: isLocale(found.locale) ? found.locale : DEFAULT_LOCALE }, input.actorUserId, meta);
  const reset = await issueReset(db, { id: found.userId, actorUserId: input.actorUserId, ...meta });
  if (!reset.ok) return reset;
  return { ok: true, invitation: { ...reset.invitation, role: found.role, replaced: true } };
}

export type DeleteUserResult = { ok: true } | { ok: false; reason: "user_not_found" | "cannot_change_self" | "forbidden" | "user_active" };

/**
 * Deletes a user who never set a password (their invitations and sessions go with them, by the
 * foreign keys' cascade). A user with a password is disabled instead (user_active). Under the same
 * lock and actor re-check as updateUser. The DELETE itself is conditional, so a claim racing it
 * either committed first (the row has a password now: user_active) or finds no user afterwards. The
 * "user.deleted" event is written in the same transaction and keeps the address (audit_events has
 * no foreign keys), as do the user's earlier events.
 */
export async function deleteUser(db: DB, input: { id: string; actorUserId: string } & RequestMeta): Promise<DeleteUserResult> {
  if (input.id === input.actorUserId) return { ok: false, reason: "cannot_change_self" };
  return db.transaction(async (tx) => {
    if (!(await actorStillAdmin(tx, input.actorUserId))) return { ok: false, reason: "forbidden" } as const;
    // Lock order user → invitation (the cascade), as in the claim, re-invite and disable.
    const [deleted] = await tx
      .delete(users)
      .where(and(eq(users.id, input.id), isNull(users.passwordHash)))
      .returning({ id: users.id, email: users.email, role: users.role, disabledAt: users.disabledAt });
    if (!deleted) {
      const [still] = await tx.select({ id: users.id }).from(users).where(eq(users.id, input.id));
      return { ok: false, reason: still ? "user_active" : "user_not_found" } as const;
    }
    await audit(tx, {
      action: "user.deleted",
      actorUserId: input.actorUserId,
      targetUserId: deleted.id,
      targetEmail: deleted.email,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      details: { role: deleted.role, status: deleted.disabledAt ? "disabled" : "pending" },
    });
    return { ok: true } as const;
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
      // A pending invitation for that address is moot now; like every revocation, it is recorded.
      const revoked = await tx
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.userId, admin.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      for (const inv of revoked) {
        await audit(tx, { action: "invitation.revoked", targetUserId: admin.id, invitationId: inv.id, details: { reason: "by_bootstrap" } });
      }
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
