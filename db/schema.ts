import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const userRole = pgEnum("user_role", ["admin", "member"]);
export const invitationKind = pgEnum("invitation_kind", ["invite", "reset"]);

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    // As the admin typed it; shown, never compared.
    email: text("email").notNull(),
    // lib/email.ts canonicalEmail(email): NFKC + full case folding. Every lookup compares this.
    emailCanonical: text("email_canonical").notNull(),
    role: userRole("role").notNull().default("member"),
    // Null until the invitation is claimed.
    passwordHash: text("password_hash"),
    disabledAt: ts("disabled_at"),
    // Set by login and claim (sessions are pruned, so they cannot tell).
    lastSignInAt: ts("last_sign_in_at"),
    createdAt: ts("created_at").notNull().defaultNow(),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("users_email_canonical_unique").on(t.emailCanonical),
    // Keyset pagination (created_at DESC, id DESC) and substring search (pg_trgm).
    index("users_created_id_idx").on(t.createdAt.desc(), t.id.desc()),
    index("users_email_trgm_idx").using("gin", sql`${t.emailCanonical} gin_trgm_ops`),
  ],
);

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: invitationKind("kind").notNull().default("invite"),
    // The role this invitation granted (history rows keep it when the user's role changes later).
    role: userRole("role").notNull(),
    // The invitee's canonical address at the time (lib/email.ts), for search without a join.
    emailCanonical: text("email_canonical").notNull(),
    // sha-256 (hex) of the link secret; the secret itself is never stored.
    tokenHash: text("token_hash").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at").notNull(),
    isAccepted: boolean("is_accepted").notNull().default(false),
    acceptedAt: ts("accepted_at"),
    revokedAt: ts("revoked_at"),
    // The language the inviting admin chose (lib/i18n/locales.ts): the link's page and its emails use it.
    locale: text("locale").notNull().default("en"),
  },
  (t) => [
    uniqueIndex("invitations_token_hash_unique").on(t.tokenHash),
    check("invitations_locale_known", sql`${t.locale} IN ('en', 'de')`),
    // At most one live invitation per user.
    uniqueIndex("invitations_one_live_per_user")
      .on(t.userId)
      .where(sql`${t.isAccepted} = false AND ${t.revokedAt} IS NULL`),
    check("invitations_accepted_consistent", sql`${t.isAccepted} = (${t.acceptedAt} IS NOT NULL)`),
    index("invitations_user_id_idx").on(t.userId),
    // Keyset pagination, newest first, overall and per status (status is computed in SQL).
    index("invitations_created_id_idx").on(t.createdAt.desc(), t.id.desc()),
    index("invitations_accepted_created_idx").on(t.createdAt.desc(), t.id.desc()).where(sql`${t.isAccepted}`),
    index("invitations_revoked_created_idx")
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`NOT ${t.isAccepted} AND ${t.revokedAt} IS NOT NULL`),
    index("invitations_open_created_idx")
      .on(t.createdAt.desc(), t.id.desc())
      .where(sql`NOT ${t.isAccepted} AND ${t.revokedAt} IS NULL`),
    index("invitations_email_trgm_idx").using("gin", sql`${t.emailCanonical} gin_trgm_ops`),
  ],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // sha-256 (hex) of the session token; the token lives only in the browser's HttpOnly cookie.
    tokenHash: text("token_hash").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
    // The absolute end (SESSION_TTL_SECONDS from sign-in); never extended.
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    // When the password was last proven on this session: sign-in, claim, password change or
    // re-authentication. Sensitive actions need it within REAUTH_MAX_AGE_SECONDS.
    authenticatedAt: ts("authenticated_at").notNull().defaultNow(),
    // Refreshed at most once a minute; a session unused for SESSION_IDLE_SECONDS has ended.
    lastUsedAt: ts("last_used_at").notNull().defaultNow(),
    // Where it was signed in from: the client IP and a short description ("Chrome on Linux"),
    // never the full user-agent string.
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [uniqueIndex("sessions_token_hash_unique").on(t.tokenHash), index("sessions_user_id_idx").on(t.userId)],
);

// Fixed-window counters shared by every app instance; keys are hashed.
export const rateLimits = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  resetAt: ts("reset_at").notNull(),
});

// Append-only: a trigger (migration 0002) refuses UPDATE, DELETE and TRUNCATE. No foreign keys (an
// ON DELETE SET NULL would be an UPDATE): the ids stay as they were, and the addresses beside them
// say who did what to whom after a user is deleted.
export const auditEvents = pgTable(
  "audit_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    actorUserId: uuid("actor_user_id"),
    actorEmail: text("actor_email"),
    action: text("action").notNull(),
    targetUserId: uuid("target_user_id"),
    targetEmail: text("target_email"),
    invitationId: uuid("invitation_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("audit_events_created_id_idx").on(t.createdAt.desc(), t.id.desc()),
    index("audit_events_action_created_idx").on(t.action, t.createdAt.desc(), t.id.desc()),
    index("audit_events_actor_created_idx").on(t.actorUserId, t.createdAt.desc(), t.id.desc()),
    index("audit_events_target_created_idx").on(t.targetUserId, t.createdAt.desc(), t.id.desc()),
  ],
);

// Email, written in the same transaction as the change it belongs to and sent after commit by every
// instance's sender loop (lib/mail/outbox.ts). A link's secret is kept only encrypted (AES-256-GCM,
// bound to the row's id) and erased once the message is sent, fails for good, or its link dies (a
// trigger, migration 0004). A "forgot_request" row is a sign-in page's request, decided by the sender.
export const outbox = pgTable(
  "outbox",
  {
    id: uuid("id").primaryKey(),
    kind: text("kind").notNull(),
    // As shown; null for a forgot_request (its address is only sealed, below).
    recipient: text("recipient"),
    // HMAC-SHA256 (hex) of the canonical address, keyed from AUTH_SECRET: caps and lookups, never the address.
    addressHash: text("address_hash").notNull(),
    invitationId: uuid("invitation_id").references(() => invitations.id, { onDelete: "cascade" }),
    // Whom it concerns (no foreign key: the row outlives nothing it needs).
    userId: uuid("user_id"),
    // Kept across retries, so a message sent twice (a crash after the server accepted it) is one message.
    messageId: text("message_id").notNull(),
    // What the message says, without any secret.
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    sealed: text("sealed"),
    status: text("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    leaseUntil: ts("lease_until"),
    leaseToken: uuid("lease_token"),
    lastError: text("last_error"),
    createdAt: ts("created_at").notNull().defaultNow(),
    sentAt: ts("sent_at"),
  },
  (t) => [
    check("outbox_status_valid", sql`${t.status} IN ('queued', 'sent', 'failed', 'cancelled', 'done', 'dropped')`),
    index("outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'queued'`),
    // One email per link: a new link (re-issue, Resend) is a new invitation row with its own email.
    uniqueIndex("outbox_invitation_unique").on(t.invitationId).where(sql`${t.invitationId} IS NOT NULL`),
    index("outbox_address_kind_created_idx").on(t.addressHash, t.kind, t.createdAt.desc()),
  ],
);

export type User = typeof users.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type Session = typeof sessions.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type Role = (typeof userRole.enumValues)[number];
