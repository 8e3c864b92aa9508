import { randomUUID } from "node:crypto";
import { desc, eq, sql } from "drizzle-orm";
import type { DB } from "../../db";
import { invitations, outbox, type OutboxRow } from "../../db/schema";
import { audit } from "../audit";
import { env, mailEnabled } from "../env";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../i18n/locales";
import { rows } from "../rate-limit";
import type { MessageData, MessageKind } from "./messages";
import { addressHash, seal } from "./seal";

// The durable outbox. A message is one row, inserted in the same transaction as the change it belongs
// to (an invitation, a reset, a claim, a password change), so it exists if and only if the change
// committed. Every instance's sender (lib/mail/sender.ts) leases due rows in one short statement,
// talks SMTP outside any transaction, then records the outcome with a conditional UPDATE on its lease.
// Delivery is at least once: a crash after the SMTP server accepted a message and before the row says
// "sent" sends it again after the lease runs out, with the same Message-ID.

export const LEASE_SECONDS = 120;
export const BATCH_SIZE = 10;

export type OutboxKind = MessageKind | "forgot_request";

export type NewMessage = {
  kind: MessageKind;
  /** The address as shown. */
  recipient: string;
  userId?: string | null;
  /** A link's invitation (invitation, reset): its queued message dies with the link (migration 0004). */
  invitationId?: string | null;
  data: Omit<MessageData, "app" | "email" | "locale">;
  /**
   * The language to write it in (a link's: its invitation's locale). Without it, the recipient's
   * language: their latest invitation's (userLocale). Stored in `data`, so the sender needs no lookup.
   */
  locale?: Locale;
  /** The link secret, kept sealed until sent. */
  secret?: string;
};

/**
 * A user's language, as far as the product knows it: the locale of their latest invitation or reset
 * link (the language the inviting admin chose for them; a reset link inherits it). English for a
 * user who never had a link (the first admin made from ADMIN_PASSWORD) or no user at all.
 */
export async function userLocale(tx: DB, userId: string | null | undefined): Promise<Locale> {
  if (!userId) return DEFAULT_LOCALE;
  const [latest] = await tx
    .select({ locale: invitations.locale })
    .from(invitations)
    .where(eq(invitations.userId, userId))
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(1);
  return isLocale(latest?.locale) ? latest.locale : DEFAULT_LOCALE;
}

function messageId(id: string): string {
  return `<${id}@${new URL(env().APP_URL).hostname || "localhost"}>`;
}

/**
 * Queues a message inside the caller's transaction; does nothing (null) while email is off. The
 * secret, if any, is stored only sealed (lib/mail/seal.ts). Its language is fixed now, in `data`.
 */
export async function enqueueMail(tx: DB, msg: NewMessage): Promise<string | null> {
  if (!mailEnabled()) return null;
  const locale = msg.locale ?? (await userLocale(tx, msg.userId));
  const id = randomUUID();
  await tx.insert(outbox).values({
    id,
    kind: msg.kind,
    recipient: msg.recipient,
    addressHash: addressHash(msg.recipient),
    invitationId: msg.invitationId ?? null,
    userId: msg.userId ?? null,
    messageId: messageId(id),
    data: { ...msg.data, app: env().APP_NAME, email: msg.recipient, locale },
    sealed: msg.secret === undefined ? null : seal(msg.secret, id),
  });
  return id;
}

/** A sign-in page's forgot-password request: the address only sealed and hashed, decided by the sender. */
export async function enqueueForgotRequest(db: DB, canonicalAddress: string, ip: string | null): Promise<void> {
  const id = randomUUID();
  await db.insert(outbox).values({
    id,
    kind: "forgot_request",
    recipient: null,
    addressHash: addressHash(canonicalAddress),
    messageId: messageId(id),
    data: ip ? { ip } : {},
    sealed: seal(canonicalAddress, id),
  });
}

export type Leased = OutboxRow & { leaseToken: string };

/**
 * Up to `limit` due rows, leased to this caller for LEASE_SECONDS: one statement, SKIP LOCKED so
 * instances never wait on each other nor take the same row. It never touches `invitations`. A row
 * whose lease ran out (its sender crashed) is due again.
 */
export async function leaseDue(db: DB, limit = BATCH_SIZE): Promise<Leased[]> {
  const token = randomUUID();
  const leased = rows<Record<string, unknown>>(
    await db.execute(sql`
      UPDATE outbox SET lease_until = now() + make_interval(secs => ${LEASE_SECONDS}), lease_token = ${token}::uuid, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM outbox
        WHERE status = 'queued' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until <= now())
        ORDER BY next_attempt_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id`),
  );
  if (leased.length === 0) return [];
  const ids = leased.map((r) => String(r.id));
  const found = await db
    .select()
    .from(outbox)
    .where(sql`${outbox.id} IN (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)}) AND ${outbox.leaseToken} = ${token}::uuid`);
  return found
    .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
    .map((r) => ({ ...r, leaseToken: token }));
}

/**
 * A queued link whose invitation expired is never mailed: cancelled, its secret erased. (Claimed,
 * revoked and deleted links are cancelled by the trigger of migration 0004 in their own transaction.)
 * From the few queued rows (outbox_due_idx) to their invitations by primary key, reading them without
 * a lock.
 */
export async function cancelExpiredLinks(db: DB): Promise<number> {
  const cancelled = rows<{ id: string }>(
    await db.execute(sql`
      UPDATE outbox o SET status = 'cancelled', sealed = NULL, last_error = 'link expired', lease_until = NULL
      FROM invitations i
      WHERE o.status = 'queued' AND i.id = o.invitation_id AND i.expires_at <= now()
      RETURNING o.id`),
  );
  return cancelled.length;
}

type Outcome = { sent: true } | { sent: false; error: string; permanent: boolean };

/**
 * Records a send's outcome on the row it leased (conditional on the lease, so a sender whose lease ran
 * out and was taken over cannot overwrite the newer outcome), with its audit event, in one transaction.
 * Sent or failed for good: the sealed secret is erased. Otherwise: retried after MAIL_RETRY_SECONDS.
 */
export async function recordOutcome(db: DB, row: Leased, outcome: Outcome): Promise<"sent" | "retrying" | "failed" | "lost_lease"> {
  const delays = env().MAIL_RETRY_SECONDS;
  return db.transaction(async (tx) => {
    let state: "sent" | "retrying" | "failed";
    let updated: unknown[];
    if (outcome.sent) {
      state = "sent";
      // Even if the link died meanwhile (status cancelled while this was in flight): it was sent.
      updated = await tx
        .update(outbox)
        .set({ status: "sent", sentAt: sql`now()`, sealed: null, leaseUntil: null, lastError: null })
        .where(sql`${outbox.id} = ${row.id} AND ${outbox.leaseToken} = ${row.leaseToken}::uuid`)
        .returning({ id: outbox.id });
    } else if (outcome.permanent || row.attempts > delays.length) {
      state = "failed";
      updated = await tx
        .update(outbox)
        .set({ status: "failed", sealed: null, leaseUntil: null, lastError: outcome.error })
        .where(sql`${outbox.id} = ${row.id} AND ${outbox.leaseToken} = ${row.leaseToken}::uuid AND ${outbox.status} = 'queued'`)
        .returning({ id: outbox.id });
    } else {
      state = "retrying";
      updated = await tx
        .update(outbox)
        .set({ nextAttemptAt: sql`now() + make_interval(secs => ${delays[row.attempts - 1]})`, leaseUntil: null, lastError: outcome.error })
        .where(sql`${outbox.id} = ${row.id} AND ${outbox.leaseToken} = ${row.leaseToken}::uuid AND ${outbox.status} = 'queued'`)
        .returning({ id: outbox.id });
    }
    if (updated.length === 0) return "lost_lease" as const;
    if (state !== "retrying") {
      await audit(tx, {
        action: state === "sent" ? "email.sent" : "email.failed",
        targetUserId: row.userId,
        targetEmail: row.recipient,
        invitationId: row.invitationId,
        details: state === "sent" ? { kind: row.kind, attempts: row.attempts } : { kind: row.kind, attempts: row.attempts, reason: (outcome as { error: string }).error },
      });
    }
    return state;
  });
}

/** A leased forgot_request is decided: done (a reset was issued) or dropped (nothing to do, or capped). */
export async function finishRequest(tx: DB, row: Leased, status: "done" | "dropped"): Promise<boolean> {
  const updated = await tx
    .update(outbox)
    .set({ status, sealed: null, leaseUntil: null, sentAt: sql`now()` })
    .where(sql`${outbox.id} = ${row.id} AND ${outbox.leaseToken} = ${row.leaseToken}::uuid AND ${outbox.status} = 'queued'`)
    .returning({ id: outbox.id });
  return updated.length > 0;
}

export type Delivery = {
  state: "queued" | "sending" | "sent" | "retrying" | "failed" | "cancelled";
  attempts: number;
  next_attempt_at: string | null;
  sent_at: string | null;
  error: string | null;
};

/** How an outbox row looks to an admin (the invitations list). */
export function deliveryOf(row: { status: string; attempts: number; nextAttemptAt: Date; leaseUntil: Date | null; sentAt: Date | null; lastError: string | null }, now = new Date()): Delivery {
  const leased = row.leaseUntil !== null && row.leaseUntil.getTime() > now.getTime();
  const state: Delivery["state"] =
    row.status === "sent" ? "sent"
    : row.status === "failed" ? "failed"
    : row.status === "queued" ? (leased ? "sending" : row.attempts > 0 ? "retrying" : "queued")
    : "cancelled";
  return {
    state,
    attempts: row.attempts,
    next_attempt_at: state === "retrying" ? row.nextAttemptAt.toISOString() : null,
    sent_at: row.sentAt ? row.sentAt.toISOString() : null,
    error: state === "retrying" || state === "failed" || state === "cancelled" ? row.lastError : null,
  };
}
