import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { DB } from "../db";
import { invitations, users, type Invitation, type Role } from "../db/schema";
import { audit, type RequestMeta } from "./audit";
import { randomSecret, sha256Hex } from "./auth/tokens";
import { canonicalEmail, checkEmail, hasEmailShape } from "./email";
import { canonicalDomain, env, inviteDomains } from "./env";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./i18n/locales";
import { msg } from "./i18n/request-locale";
import { afterCursor, cursorTimestamp, newestFirst, page, type Keyset } from "./keyset";
import { deliveryOf, enqueueMail, type Delivery } from "./mail/outbox";
import { rows } from "./rate-limit";

export const DEFAULT_INVITATION_SECONDS = 7 * 24 * 3600;
export const MAX_INVITATION_SECONDS = 30 * 24 * 3600;

// The body's shape (400 invalid_request). Whether an address may name an account at all (no
// invisible characters, one script per label) and which account it names is lib/email.ts
// checkEmail's to say: 400 invalid_email, saying why.
export const emailSchema = z
  .string()
  .trim()
  .min(3, msg("api.email_enter"))
  .max(254, msg("api.email_too_long"))
  .refine(hasEmailShape, msg("api.email_shape"));

export const roleSchema = z.enum(["admin", "member"]);

export const expiresSchema = z
  .number()
  .int(msg("api.expires_whole"))
  .min(1, msg("api.expires_min"))
  .max(MAX_INVITATION_SECONDS, msg("api.invitation_max", { seconds: String(MAX_INVITATION_SECONDS) }));

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

/** Precedence: accepted > revoked > expired > pending. */
export function invitationStatus(inv: Pick<Invitation, "isAccepted" | "revokedAt" | "expiresAt">, now = new Date()): InvitationStatus {
  if (inv.isAccepted) return "accepted";
  if (inv.revokedAt) return "revoked";
  if (inv.expiresAt.getTime() <= now.getTime()) return "expired";
  return "pending";
}

export function invitationUrl(secret: string): string {
  const url = new URL("/onboarding", env().APP_URL);
  url.searchParams.set("token", secret);
  return url.toString();
}

export type InvitationKind = Invitation["kind"];
export type RevocationReason = "by_admin" | "by_reinvite" | "by_reissue" | "by_disable" | "by_reset";

export type CreatedInvitation = {
  id: string;
  email: string;
  role: Role;
  kind: InvitationKind;
  /** The link (its secret, once). */
  url: string;
  expiresAt: Date;
  /** The language of its page and its emails. */
  locale: Locale;
  /** A live (pending, unexpired) link of this address was revoked to make this one. */
  replaced: boolean;
  /** Email is on: the link was queued to be mailed to the invitee. */
  emailed: boolean;
};
export type CreateInvitationResult =
  | { ok: true; invitation: CreatedInvitation }
  | { ok: false; reason: "user_exists" | "invitation_pending" | "domain_not_allowed" }
  | { ok: false; reason: "invalid_email"; message: string };

export type CreateInvitationInput = {
  email: string;
  role: Role;
  expiresInSeconds?: number;
  createdBy: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /**
   * Whether a live pending invitation of this address may be revoked to make the new one. Default
   * true (re-issue, `npm run invite`, the first-admin bootstrap); the API passes the request's
   * `replace` (default false), so an admin hears `invitation_pending` before an old link dies.
   * An expired invitation never blocks.
   */
  replace?: boolean;
  /** Refuse addresses outside INVITE_DOMAINS (the API and the CLI; not the first-admin bootstrap). */
  enforceDomains?: boolean;
  /** "reissue": the audit trail says re-issued, and the old link's revocation says by_reissue. */
  via?: "invite" | "reissue";
  /**
   * The invitee's language: their link's page and every email of this invitation. The API passes
   * the body's `locale`, else the inviting admin's own language for that request; a re-issue keeps
   * the old invitation's. Default English (the CLI without --locale, the first-admin bootstrap).
   */
  locale?: Locale;
};

/** Whether INVITE_DOMAINS (if set) allows a canonical address's domain. */
export function domainAllowed(canonical: string, allowed: string[] | null = inviteDomains()): boolean {
  if (!allowed) return true;
  return allowed.includes(canonicalDomain(canonical.slice(canonical.lastIndexOf("@") + 1)));
}

// Thrown inside the transaction to roll the user upsert back when a live invitation blocks.
class InvitationPending extends Error {}

/**
 * Creates (or re-issues) the invitation for an email, in one transaction. A pending user is created
 * or updated (the role given now applies) and its earlier unclaimed invitation, if any, is revoked,
 * each revocation its own audit event. With `replace: false`, a live pending invitation makes it
 * write nothing and answer `invitation_pending`. The link secret is returned once, inside `url`;
 * only its hash is stored.
 */
export async function createInvitation(db: DB, input: CreateInvitationInput): Promise<CreateInvitationResult> {
  const checked = checkEmail(input.email);
  if (!checked.ok) return { ok: false, reason: "invalid_email", message: checked.message };
  const { email, canonical } = checked;
  if (input.enforceDomains && !domainAllowed(canonical)) return { ok: false, reason: "domain_not_allowed" };
  const seconds = input.expiresInSeconds ?? DEFAULT_INVITATION_SECONDS;
  const replace = input.replace ?? true;
  const reissue = input.via === "reissue";
  const secret = randomSecret(32);
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };
  const locale = input.locale ?? DEFAULT_LOCALE;
  try {
    return await db.transaction(async (tx) => {
      // One statement, so concurrent invites of "Alice@x" and "ALICE@x" (or "ΟΔΟΣ@x" and "οδος@x")
      // meet on the unique canonical form instead of racing a SELECT. It also locks the user row
      // first (lock order: user row, then its invitations, as in claim and disable). A claimed
      // account makes the WHERE false: zero rows, user_exists. The address shown stays the one
      // first typed.
      const upserted = rows<{ id: string; email: string; role: Role }>(
        await tx.execute(sql`
          INSERT INTO users (email, email_canonical, role) VALUES (${email}, ${canonical}, ${input.role})
          ON CONFLICT (email_canonical) DO UPDATE SET role = EXCLUDED.role, disabled_at = NULL, updated_at = now()
            WHERE users.password_hash IS NULL
          RETURNING id, email, role`),
      );
      const user = upserted[0];
      if (!user) return { ok: false, reason: "user_exists" } as const;

      // Under the user row's lock, so no other invite of this address can slip in between.
      if (!replace) {
        const [live] = await tx
          .select({ id: invitations.id })
          .from(invitations)
          .where(and(eq(invitations.userId, user.id), openInvitation, sql`${invitations.expiresAt} > now()`))
          .limit(1);
        if (live) throw new InvitationPending(); // rolls the upsert back: nothing written
      }

      // Expired or live, an unclaimed link is revoked (one open invitation per user).
      const revoked = await tx
        .update(invitations)
        .set({ revokedAt: sql`now()` })
        .where(and(eq(invitations.userId, user.id), openInvitation))
        .returning({ id: invitations.id, live: sql<boolean>`${invitations.expiresAt} > now()` });
      const [inv] = await tx
        .insert(invitations)
        .values({
          userId: user.id,
          kind: "invite",
          role: user.role,
          emailCanonical: canonical,
          tokenHash: sha256Hex(secret),
          createdBy: input.createdBy,
          expiresAt: sql`now() + make_interval(secs => ${seconds})`,
          locale,
        })
        .returning();
      const replaced = revoked.some((r) => r.live === true);
      // With email on, the link goes out by mail once this transaction commits (lib/mail/outbox.ts).
      const queued = await enqueueMail(tx, {
        kind: "invitation",
        recipient: user.email,
        userId: user.id,
        invitationId: inv.id,
        data: { role: user.role, by: input.createdBy ? await emailOf(tx, input.createdBy) : null, expires_at: inv.expiresAt.toISOString() },
        // In the invitee's language, as their link's page will be.
        locale,
        secret,
      });
      for (const old of revoked) {
        await audit(tx, {
          action: "invitation.revoked",
          actorUserId: input.createdBy,
          targetUserId: user.id,
          invitationId: old.id,
          ...meta,
          details: { reason: reissue ? "by_reissue" : "by_reinvite", replaced_by: inv.id, expired: old.live !== true },
        });
      }
      await audit(tx, {
        action: reissue ? "invitation.reissued" : replaced ? "invitation.replaced" : "invitation.created",
        actorUserId: input.createdBy,
        targetUserId: user.id,
        invitationId: inv.id,
        ...meta,
        details: { role: user.role, expires_at: inv.expiresAt.toISOString(), locale, revoked: revoked.map((r) => r.id), emailed: queued !== null },
      });
      return {
        ok: true,
        invitation: {
          id: inv.id,
          email: user.email,
          role: user.role,
          kind: inv.kind,
          url: invitationUrl(secret),
          expiresAt: inv.expiresAt,
          locale,
          replaced,
          emailed: queued !== null,
        },
      } as const;
    });
  } catch (err) {
    if (err instanceof InvitationPending) return { ok: false, reason: "invitation_pending" };
    throw err;
  }
}

/** A user's address, or null (gone). */
export async function emailOf(tx: DB, id: string): Promise<string | null> {
  const [found] = await tx.select({ email: users.email }).from(users).where(eq(users.id, id)).limit(1);
  return found?.email ?? null;
}

// Not claimed and not revoked (it may have expired): at most one per user (a unique index).
const openInvitation = sql`NOT ${invitations.isAccepted} AND ${invitations.revokedAt} IS NULL`;

// ---- Bulk invite --------------------------------------------------------------------------------

export const MAX_BULK_EMAILS = 500;
// The bulk route alone accepts bodies up to 160 kB (500 addresses of up to 254 characters, quoted).
export const MAX_BULK_BODY_BYTES = 160 * 1024;

export type BulkOutcome =
  | "invited"
  | "replaced"
  | "invitation_pending"
  | "user_exists"
  | "invalid_email"
  | "domain_not_allowed"
  | "duplicate"
  | "rate_limited";

export type BulkResult = { email: string; outcome: BulkOutcome; invitation?: { id: string; url: string; expiresAt: Date; locale: Locale; emailed: boolean } };

/**
 * One result per line, in order. Each address stands alone: its own checks and its own
 * createInvitation (its own transaction), so one bad address never fails the others. A repeated
 * address (canonically: any case or Unicode form) is invited once; later lines say "duplicate".
 * Each address about to be invited counts against the admin's invitation limit (`countInvite`),
 * and once that refuses, every remaining address that would be invited says "rate_limited".
 */
export async function inviteMany(
  db: DB,
  input: {
    emails: string[];
    role: Role;
    expiresInSeconds?: number;
    replace?: boolean;
    createdBy: string;
    /** Every invitation's language (createInvitation's `locale`). */
    locale?: Locale;
    countInvite: () => Promise<boolean>;
  } & RequestMeta,
): Promise<BulkResult[]> {
  const allowed = inviteDomains();
  const seen = new Set<string>();
  let limited = false;
  const results: BulkResult[] = [];
  for (const line of input.emails) {
    const checked = checkEmail(line);
    if (!checked.ok) {
      results.push({ email: line, outcome: "invalid_email" });
      continue;
    }
    if (!domainAllowed(checked.canonical, allowed)) {
      results.push({ email: line, outcome: "domain_not_allowed" });
      continue;
    }
    if (seen.has(checked.canonical)) {
      results.push({ email: line, outcome: "duplicate" });
      continue;
    }
    seen.add(checked.canonical);
    if (limited || !(await input.countInvite())) {
      limited = true;
      results.push({ email: line, outcome: "rate_limited" });
      continue;
    }
    const created = await createInvitation(db, {
      email: checked.email,
      role: input.role,
      expiresInSeconds: input.expiresInSeconds,
      createdBy: input.createdBy,
      ip: input.ip,
      userAgent: input.userAgent,
      replace: input.replace ?? false,
      enforceDomains: true,
      locale: input.locale,
    });
    if (created.ok) {
      const { id, url, expiresAt, locale, replaced, emailed } = created.invitation;
      results.push({ email: line, outcome: replaced ? "replaced" : "invited", invitation: { id, url, expiresAt, locale, emailed } });
    } else {
      results.push({ email: line, outcome: created.reason });
    }
  }
  return results;
}

// ---- Listing ------------------------------------------------------------------------------------

export const DEFAULT_INVITATION_PAGE = 50;
export const MAX_INVITATION_PAGE = 100;
export const INVITATION_STATUSES = ["pending", "accepted", "expired", "revoked"] as const;

export type InvitationListItem = {
  id: string;
  email: string;
  role: Role;
  kind: InvitationKind;
  status: InvitationStatus;
  /** The inviter's address, or null (the CLI, the bootstrap, a deleted admin). */
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  /** The language of its page and its emails. */
  locale: Locale;
  /** Its email's delivery (lib/mail/outbox.ts deliveryOf), or null: never mailed (email off when it was made). */
  delivery: Delivery | null;
};

export type InvitationQuery = {
  status?: InvitationStatus;
  /** A part of the address, matched case-insensitively (canonically); % _ \ match literally. */
  q?: string;
  limit?: number;
  /** Where the previous page ended (decodeCursor("invitations", …)). */
  cursor?: Keyset | null;
};

const inviter = alias(users, "inviter");

type MailRow = { status: string; attempts: number; next_attempt_at: string; lease_until: string | null; sent_at: string | null; last_error: string | null };

// invitationStatus's precedence (accepted > revoked > expired > pending), in SQL on the database's
// clock, so the status shown and the status filtered on agree.
const statusSql = sql<InvitationStatus>`CASE
  WHEN ${invitations.isAccepted} THEN 'accepted'
  WHEN ${invitations.revokedAt} IS NOT NULL THEN 'revoked'
  WHEN ${invitations.expiresAt} <= now() THEN 'expired'
  ELSE 'pending' END`;

// Written like the partial indexes' predicates (migration 0002), so the planner can use them.
function statusCondition(status: InvitationStatus): SQL {
  switch (status) {
    case "accepted":
      return sql`${invitations.isAccepted}`;
    case "revoked":
      return sql`NOT ${invitations.isAccepted} AND ${invitations.revokedAt} IS NOT NULL`;
    case "expired":
      return sql`NOT ${invitations.isAccepted} AND ${invitations.revokedAt} IS NULL AND ${invitations.expiresAt} <= now()`;
    case "pending":
      return sql`NOT ${invitations.isAccepted} AND ${invitations.revokedAt} IS NULL AND ${invitations.expiresAt} > now()`;
  }
}

/** A LIKE pattern matching `part` anywhere, with LIKE's own characters (% _ \) taken literally. */
export function containsPattern(part: string): string {
  return `%${part.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Newest first, by keyset: ORDER BY (created_at DESC, id DESC), the next page strictly after the
 * cursor's (created_at, id); never OFFSET. The search compares the canonical address (lib/email.ts)
 * with LIKE, so the trigram index on invitations.email_canonical serves it.
 */
export async function listInvitations(db: DB, query: InvitationQuery = {}): Promise<{ invitations: InvitationListItem[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_INVITATION_PAGE), 1), MAX_INVITATION_PAGE);
  const found = await invitationsPageQuery(db, query, limit + 1);
  const { rows: shown, nextCursor } = page("invitations", found, limit);
  return {
    invitations: shown.map(({ cursor_ts: _cursor, mail, locale, ...item }) => ({
      ...item,
      locale: isLocale(locale) ? locale : DEFAULT_LOCALE,
      delivery: mail
        ? deliveryOf({
            status: mail.status,
            attempts: mail.attempts,
            nextAttemptAt: new Date(mail.next_attempt_at),
            leaseUntil: mail.lease_until ? new Date(mail.lease_until) : null,
            sentAt: mail.sent_at ? new Date(mail.sent_at) : null,
            lastError: mail.last_error,
          })
        : null,
    })),
    nextCursor,
  };
}

const NEWEST_FIRST = newestFirst(invitations.createdAt, invitations.id);

/** Up to `limit` matching invitations after `query.cursor`, newest first (exported for plan tests). */
export function invitationsPageQuery(db: DB, query: InvitationQuery, limit: number) {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(statusCondition(query.status));
  if (query.q !== undefined) conditions.push(sql`${invitations.emailCanonical} LIKE ${containsPattern(canonicalEmail(query.q))} ESCAPE '\\'`);
  if (query.cursor) conditions.push(afterCursor(invitations.createdAt, invitations.id, query.cursor));
  return db
    .select({
      id: invitations.id,
      email: users.email,
      role: invitations.role,
      kind: invitations.kind,
      status: statusSql,
      invitedBy: inviter.email,
      createdAt: invitations.createdAt,
      expiresAt: invitations.expiresAt,
      acceptedAt: invitations.acceptedAt,
      revokedAt: invitations.revokedAt,
      locale: invitations.locale,
      // Its email, if any (at most one per link: outbox_invitation_unique; one index probe per row shown).
      mail: sql<MailRow | null>`(
        SELECT json_build_object('status', o.status, 'attempts', o.attempts, 'next_attempt_at', o.next_attempt_at,
          'lease_until', o.lease_until, 'sent_at', o.sent_at, 'last_error', o.last_error)
        FROM outbox o WHERE o.invitation_id = ${invitations.id})`,
      cursor_ts: cursorTimestamp(invitations.createdAt),
    })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .leftJoin(inviter, eq(inviter.id, invitations.createdBy))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...NEWEST_FIRST)
    .limit(limit);
}

// ---- Revoke and re-issue ------------------------------------------------------------------------

export type RevokeResult = { ok: true } | { ok: false; reason: "invitation_not_found" | "invitation_not_pending" };

/** Revokes a pending invitation (audit: invitation.revoked, reason by_admin). */
export async function revokeInvitation(db: DB, id: string, actorUserId: string, meta: RequestMeta = {}): Promise<RevokeResult> {
  return db.transaction(async (tx) => {
    // One row, one lock: nothing here can wait on the user row while holding an invitation.
    const [revoked] = await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(invitations.id, id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)))
      .returning();
    if (!revoked) {
      const [exists] = await tx.select({ id: invitations.id }).from(invitations).where(eq(invitations.id, id));
      return { ok: false, reason: exists ? "invitation_not_pending" : "invitation_not_found" } as const;
    }
    await audit(tx, {
      action: "invitation.revoked",
      actorUserId,
      targetUserId: revoked.userId,
      invitationId: id,
      ip: meta.ip,
      userAgent: meta.userAgent,
      details: { reason: "by_admin" },
    });
    return { ok: true } as const;
  });
}

/**
 * A fresh invitation link for the same person and role, in the old invitation's language; the old
 * one (and any other open one) is revoked. For a reset link, lib/users.ts reissueLink calls
 * issueReset instead.
 */
export async function reissueInvitation(
  db: DB,
  found: { email: string; role: Role; locale: Locale },
  actorUserId: string,
  meta: RequestMeta = {},
): Promise<CreateInvitationResult> {
  return createInvitation(db, {
    email: found.email,
    role: found.role,
    createdBy: actorUserId,
    ip: meta.ip,
    userAgent: meta.userAgent,
    replace: true,
    enforceDomains: true,
    via: "reissue",
    locale: found.locale,
  });
}
