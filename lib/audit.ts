import type { DB } from "../db";
import { auditEvents } from "../db/schema";

export type AuditAction =
  | "invitation.created"
  | "invitation.revoked"
  | "invitation.claimed"
  | "user.login"
  | "user.login_failed"
  | "user.logout"
  | "user.sessions_revoked"
  | "user.role_changed"
  | "user.disabled"
  | "user.enabled"
  | "admin.bootstrapped";

/** Never put a secret in `details`. Pass the transaction when the event belongs to one. */
export async function audit(
  db: DB,
  event: {
    action: AuditAction;
    actorUserId?: string | null;
    targetUserId?: string | null;
    invitationId?: string | null;
    ip?: string | null;
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(auditEvents).values({
    action: event.action,
    actorUserId: event.actorUserId ?? null,
    targetUserId: event.targetUserId ?? null,
    invitationId: event.invitationId ?? null,
    ip: event.ip ?? null,
    details: event.details ?? {},
  });
}
