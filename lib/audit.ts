import { sql } from "drizzle-orm";
import { keepPlanned, type DB } from "../db";

// The audit trail: append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE on
// audit_events, migration 0002). Each event keeps the actor's and target's addresses beside their
// ids, read from `users` as it is written, so it still says who did what to whom after a user row is
// deleted. Never put a secret (link, token, cookie, password) in `details`.

export type AuditAction =
  | "invitation.created"
  | "invitation.replaced"
  | "invitation.reissued"
  | "invitation.revoked"
  | "invitation.claimed"
  | "invitation.claim_rejected"
  | "invitation.reset_issued"
  | "user.login"
  | "user.login_failed"
  | "user.logout"
  | "user.sessions_revoked"
  | "user.session_revoked"
  | "user.password_changed"
  | "user.password_change_failed"
  | "user.reauthenticated"
  | "user.reauth_failed"
  | "user.role_changed"
  | "user.disabled"
  | "user.enabled"
  | "user.deleted"
  | "email.sent"
  | "email.failed"
  | "user.reset_request_dropped"
  | "audit.exported"
  | "admin.bootstrapped";

export const MAX_USER_AGENT = 256;

export type AuditEvent = {
  action: AuditAction;
  actorUserId?: string | null;
  targetUserId?: string | null;
  /** Only when the user row may be gone already (a deletion); otherwise read from `users`. */
  targetEmail?: string | null;
  invitationId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
};

/** Who made a request, as an event records it. */
export type RequestMeta = { ip?: string | null; userAgent?: string | null };

/** One INSERT; pass the transaction when the event belongs to one (it then commits or rolls back with it). */
export async function audit(db: DB, event: AuditEvent): Promise<void> {
  const actor = event.actorUserId ?? null;
  const target = event.targetUserId ?? null;
  const userAgent = event.userAgent ? event.userAgent.slice(0, MAX_USER_AGENT) : null;
  // Every event is this one statement: kept planned on PGlite (db/index.ts keepPlanned).
  await keepPlanned(db, "insert_audit_event", db.execute(sql`
    INSERT INTO audit_events (action, actor_user_id, actor_email, target_user_id, target_email, invitation_id, ip, user_agent, details)
    VALUES (
      ${event.action},
      ${actor}::uuid,
      (SELECT email FROM users WHERE id = ${actor}::uuid),
      ${target}::uuid,
      COALESCE(${event.targetEmail ?? null}::text, (SELECT email FROM users WHERE id = ${target}::uuid)),
      ${event.invitationId ?? null}::uuid,
      ${event.ip ?? null},
      ${userAgent},
      ${JSON.stringify(event.details ?? {})}::jsonb
    )`));
}
