import { sql, type SQL } from "drizzle-orm";
import type { DB } from "../db";

// Read-only queries for the Overview page (/dashboard): counts by state, the latest audit events and
// the team's admins. Nothing here writes. The counts read whole tables: fine for a team, slow at a
// million rows (the lists themselves are keyset-paged and indexed; see npm run bench:scale).

async function rows<T>(db: DB, query: SQL): Promise<T[]> {
  const result = await db.execute(query);
  return ((result as { rows?: T[] }).rows ?? (result as unknown as T[])) as T[];
}

export type OverviewCounts = {
  invitations: { pending: number; accepted: number; expired: number; revoked: number };
  users: { active: number; pending: number; disabled: number };
};

export async function overviewCounts(db: DB): Promise<OverviewCounts> {
  const [inv] = await rows<Record<string, number | string>>(db, sql`
    SELECT
      count(*) FILTER (WHERE NOT is_accepted AND revoked_at IS NULL AND expires_at > now()) AS pending,
      count(*) FILTER (WHERE is_accepted) AS accepted,
      count(*) FILTER (WHERE NOT is_accepted AND revoked_at IS NULL AND expires_at <= now()) AS expired,
      count(*) FILTER (WHERE NOT is_accepted AND revoked_at IS NOT NULL) AS revoked
    FROM invitations`);
  const [usr] = await rows<Record<string, number | string>>(db, sql`
    SELECT
      count(*) FILTER (WHERE disabled_at IS NULL AND password_hash IS NOT NULL) AS active,
      count(*) FILTER (WHERE disabled_at IS NULL AND password_hash IS NULL) AS pending,
      count(*) FILTER (WHERE disabled_at IS NOT NULL) AS disabled
    FROM users`);
  const n = (v: unknown) => Number(v ?? 0);
  return {
    invitations: { pending: n(inv?.pending), accepted: n(inv?.accepted), expired: n(inv?.expired), revoked: n(inv?.revoked) },
    users: { active: n(usr?.active), pending: n(usr?.pending), disabled: n(usr?.disabled) },
  };
}

export type RecentEvent = {
  id: string;
  action: string;
  actor: { id: string; email: string } | null;
  target: { id: string; email: string } | null;
  details: Record<string, unknown> | null;
  created_at: string;
};

export async function recentEvents(db: DB, limit = 8): Promise<RecentEvent[]> {
  const list = await rows<{
    id: string;
    action: string;
    actor_user_id: string | null;
    actor_email: string | null;
    target_user_id: string | null;
    target_email: string | null;
    details: Record<string, unknown> | string | null;
    created_at: Date | string;
  }>(db, sql`
    SELECT id, action, actor_user_id, actor_email, target_user_id, target_email, details, created_at
    FROM audit_events ORDER BY created_at DESC NULLS LAST, id DESC NULLS LAST LIMIT ${limit}`);
  return list.map((e) => ({
    id: e.id,
    action: e.action,
    actor: e.actor_email ? { id: e.actor_user_id ?? "", email: e.actor_email } : null,
    target: e.target_email ? { id: e.target_user_id ?? "", email: e.target_email } : null,
    details: typeof e.details === "string" ? (JSON.parse(e.details) as Record<string, unknown>) : e.details,
    created_at: new Date(e.created_at).toISOString(),
  }));
}

/** Active admins, for a member to know whom to ask. */
export async function teamAdmins(db: DB): Promise<string[]> {
  const list = await rows<{ email: string }>(db, sql`
    SELECT email FROM users WHERE role = 'admin' AND disabled_at IS NULL AND password_hash IS NOT NULL
    ORDER BY email LIMIT 50`);
  return list.map((r) => r.email);
}
