import { and, eq, inArray, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "../db";
import { auditEvents, users } from "../db/schema";
import { audit, type AuditAction, type RequestMeta } from "./audit";
import { csvRow } from "./csv";
import { lookupEmail } from "./email";
import { tr } from "./i18n/request-locale";
import { afterCursor, cursorTimestamp, decodeCursor, newestFirst, page, type Keyset } from "./keyset";

// Reading the audit trail: one filtered, keyset-paged list (GET /api/audit) and an export that walks
// every matching event in batches (GET /api/audit/export). Both order by (created_at DESC, id DESC),
// which the indexes of migration 0002 serve, alone or after `action`, `actor_user_id` or
// `target_user_id`.

/** Every action `audit()` can write; the compile-time check below fails when lib/audit.ts adds one. */
export const AUDIT_ACTIONS = [
  "invitation.created",
  "invitation.replaced",
  "invitation.reissued",
  "invitation.revoked",
  "invitation.claimed",
  "invitation.claim_rejected",
  "invitation.reset_issued",
  "user.login",
  "user.login_failed",
  "user.logout",
  "user.sessions_revoked",
  "user.session_revoked",
  "user.password_changed",
  "user.password_change_failed",
  "user.reauthenticated",
  "user.reauth_failed",
  "user.role_changed",
  "user.disabled",
  "user.enabled",
  "user.deleted",
  "email.sent",
  "email.failed",
  "user.reset_request_dropped",
  "audit.exported",
  "admin.bootstrapped",
] as const satisfies readonly AuditAction[];

type Unlisted = Exclude<AuditAction, (typeof AUDIT_ACTIONS)[number]>;
/** `true` only while AUDIT_ACTIONS names every AuditAction (otherwise a type error names the one missing). */
export const EVERY_ACTION_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
/** The export reads at most this many rows per query. */
export const EXPORT_BATCH_SIZE = 1000;

/** A user id, or an address (with its canonical form, lib/email.ts). */
export type UserRef = { id: string } | { email: string; canonical?: string };

export type AuditFilters = {
  /** Exact action names (one, or every known action under a prefix such as "invitation."). */
  actions?: string[];
  actor?: UserRef;
  target?: UserRef;
  /** Inclusive, ISO 8601 with a zone (passed to Postgres as text: microseconds are kept). */
  from?: string;
  /** Exclusive. */
  to?: string;
};

// ---- query parameters ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FILTER_KEYS = ["action", "actor", "target", "from", "to"] as const;
const PAGING_KEYS = ["limit", "cursor"] as const;

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/** An ISO 8601 instant Postgres accepts as timestamptz, or null. A bare date means 00:00 UTC. */
function parseInstant(value: string): string | null {
  const text = isoDate.safeParse(value).success ? `${value}T00:00:00Z` : value;
  if (!isoDateTime.safeParse(text).success) return null;
  if (text.startsWith("0000")) return null; // there is no year 0
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (offset && (Number(offset[2]) > 14 || Number(offset[3]) > 59)) return null;
  return text;
}

function parseUserRef(value: string): UserRef | null {
  if (UUID.test(value)) return { id: value.toLowerCase() };
  const canonical = lookupEmail(value);
  return canonical ? { email: value.trim(), canonical } : null;
}

function parseAction(value: string): string[] | null {
  if (value.endsWith(".")) {
    const matching = AUDIT_ACTIONS.filter((a) => a.startsWith(value));
    return matching.length ? matching : null;
  }
  return (AUDIT_ACTIONS as readonly string[]).includes(value) ? [value] : null;
}

export type AuditQuery = {
  filters: AuditFilters;
  /** The filter parameters as given (recorded in an export's event). */
  given: Partial<Record<(typeof FILTER_KEYS)[number], string>>;
  limit: number;
  cursor: Keyset | null;
};

/**
 * The filters (and, for the list, `limit` and `cursor`) from a query string. Unknown or repeated
 * parameters are refused rather than ignored, so a typo never widens what an admin sees. The message
 * is in the request's language (lib/i18n/request-locale.ts); parameter names stay as they are.
 */
export function parseAuditQuery(params: URLSearchParams, opts: { paging: boolean }): { ok: true; query: AuditQuery } | { ok: false; message: string } {
  const allowed: readonly string[] = opts.paging ? [...FILTER_KEYS, ...PAGING_KEYS] : FILTER_KEYS;
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (!allowed.includes(key)) return { ok: false, message: tr("api.audit_query.unknown_parameter", { key: key.slice(0, 40), allowed: allowed.join(", ") }) };
    if (seen.has(key)) return { ok: false, message: tr("api.audit_query.repeated", { key }) };
    seen.add(key);
  }
  const query: AuditQuery = { filters: {}, given: {}, limit: DEFAULT_LIMIT, cursor: null };
  const get = (key: string) => {
    const v = params.get(key);
    return v === null || v === "" ? undefined : v;
  };

  const action = get("action");
  if (action !== undefined) {
    const actions = parseAction(action);
    if (!actions) return { ok: false, message: tr("api.audit_query.action") };
    query.filters.actions = actions;
    query.given.action = action;
  }
  for (const key of ["actor", "target"] as const) {
    const value = get(key);
    if (value === undefined) continue;
    const ref = parseUserRef(value);
    if (!ref) return { ok: false, message: tr("api.audit_query.user_ref", { key }) };
    query.filters[key] = ref;
    query.given[key] = value;
  }
  for (const key of ["from", "to"] as const) {
    const value = get(key);
    if (value === undefined) continue;
    const instant = parseInstant(value);
    if (!instant) return { ok: false, message: tr("api.audit_query.instant", { key }) };
    query.filters[key] = instant;
    query.given[key] = value;
  }
  if (query.filters.from && query.filters.to && Date.parse(query.filters.from) > Date.parse(query.filters.to)) {
    return { ok: false, message: tr("api.audit_query.from_after_to") };
  }

  if (opts.paging) {
    const limit = get("limit");
    if (limit !== undefined) {
      if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) {
        return { ok: false, message: tr("api.audit_query.limit", { max: String(MAX_LIMIT) }) };
      }
      query.limit = Number(limit);
    }
    const cursor = get("cursor");
    if (cursor !== undefined) {
      query.cursor = decodeCursor("audit", cursor);
      if (!query.cursor) return { ok: false, message: tr("api.audit_query.cursor") };
    }
  }
  return { ok: true, query };
}

// ---- queries ----

function conditions(f: AuditFilters, after: Keyset | null): SQL | undefined {
  const c: SQL[] = [];
  if (f.actions) c.push(f.actions.length === 1 ? eq(auditEvents.action, f.actions[0]) : inArray(auditEvents.action, f.actions));
  if (f.actor) c.push(whoMatches(auditEvents.actorUserId, auditEvents.actorEmail, f.actor));
  if (f.target) c.push(whoMatches(auditEvents.targetUserId, auditEvents.targetEmail, f.target));
  if (f.from) c.push(sql`${auditEvents.createdAt} >= ${f.from}::timestamptz`);
  if (f.to) c.push(sql`${auditEvents.createdAt} < ${f.to}::timestamptz`);
  if (after) c.push(afterCursor(auditEvents.createdAt, auditEvents.id, after));
  return c.length ? and(...c) : undefined;
}

/**
 * An address matches the events of the account it names now (by canonical form, as sign-in finds
 * it: ΟΔΟΣ@… finds οδος@…), and, since that row may be deleted, the events that recorded the address
 * itself, compared case-insensitively with lower().
 */
function whoMatches(idColumn: SQLWrapper, emailColumn: SQLWrapper, ref: UserRef): SQL {
  if ("id" in ref) return sql`${idColumn} = ${ref.id}::uuid`;
  const byAccount = ref.canonical
    ? sql`${idColumn} IN (SELECT ${users.id} FROM ${users} WHERE ${users.emailCanonical} = ${ref.canonical}) OR `
    : sql``;
  return sql`(${byAccount}lower(${emailColumn}) = lower(${ref.email}))`;
}

const columns = {
  id: auditEvents.id,
  action: auditEvents.action,
  actor_user_id: auditEvents.actorUserId,
  actor_email: auditEvents.actorEmail,
  target_user_id: auditEvents.targetUserId,
  target_email: auditEvents.targetEmail,
  invitation_id: auditEvents.invitationId,
  ip: auditEvents.ip,
  user_agent: auditEvents.userAgent,
  details: auditEvents.details,
  // The exact time (microseconds, UTC), shown as created_at and used for cursors.
  cursor_ts: cursorTimestamp(auditEvents.createdAt),
};

export type AuditRow = {
  id: string;
  action: string;
  actor_user_id: string | null;
  actor_email: string | null;
  target_user_id: string | null;
  target_email: string | null;
  invitation_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  cursor_ts: string;
};

const NEWEST_FIRST = newestFirst(auditEvents.createdAt, auditEvents.id);

/** The query for up to `limit` matching rows after `after`, newest first (exported for plan tests). */
export function rowsQuery(db: DB, filters: AuditFilters, after: Keyset | null, limit: number) {
  return db
    .select(columns)
    .from(auditEvents)
    .where(conditions(filters, after))
    .orderBy(...NEWEST_FIRST)
    .limit(limit);
}

/** One query. */
async function selectRows(db: DB, filters: AuditFilters, after: Keyset | null, limit: number): Promise<AuditRow[]> {
  return rowsQuery(db, filters, after, limit);
}

export type AuditEventView = {
  id: string;
  action: string;
  actor: { id: string | null; email: string | null } | null;
  target: { id: string | null; email: string | null } | null;
  invitation_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  created_at: string;
};

function party(id: string | null, email: string | null) {
  return id === null && email === null ? null : { id, email };
}

export function toView(row: AuditRow): AuditEventView {
  return {
    id: row.id,
    action: row.action,
    actor: party(row.actor_user_id, row.actor_email),
    target: party(row.target_user_id, row.target_email),
    invitation_id: row.invitation_id,
    ip: row.ip,
    user_agent: row.user_agent,
    details: row.details,
    created_at: row.cursor_ts,
  };
}

/** One page of the list, newest first, and the cursor of the next page (null on the last). */
export async function listAuditEvents(db: DB, query: Pick<AuditQuery, "filters" | "limit" | "cursor">) {
  const found = await selectRows(db, query.filters, query.cursor, query.limit + 1);
  const { rows, nextCursor } = page("audit", found, query.limit);
  return { events: rows.map(toView), nextCursor };
}

/**
 * Every matching event after `after` (or from the newest), newest first, in batches of at most
 * `batchSize` rows. Each batch is its own query on `db` (never a transaction: on PGlite a long
 * transaction stalls every other request) that starts after the last row of the one before, so only
 * one batch is in memory and rows written meanwhile neither shift nor repeat anything.
 */
export async function* auditEventBatches(
  db: DB,
  filters: AuditFilters,
  opts: { after?: Keyset | null; batchSize?: number } = {},
): AsyncGenerator<AuditRow[], void, undefined> {
  const size = Math.max(1, Math.min(opts.batchSize ?? EXPORT_BATCH_SIZE, EXPORT_BATCH_SIZE));
  let after = opts.after ?? null;
  for (;;) {
    const rows = await selectRows(db, filters, after, size);
    if (rows.length) yield rows;
    if (rows.length < size) return;
    const last = rows[rows.length - 1];
    after = { createdAt: last.cursor_ts, id: last.id };
  }
}

// ---- export ----

export const AUDIT_CSV_COLUMNS = [
  "created_at",
  "action",
  "actor_email",
  "actor_id",
  "target_email",
  "target_id",
  "invitation_id",
  "ip",
  "user_agent",
  "details",
] as const;

export const AUDIT_CSV_HEADER = csvRow(AUDIT_CSV_COLUMNS);

export function auditCsvRow(row: AuditRow): string {
  return csvRow([
    row.cursor_ts,
    row.action,
    row.actor_email,
    row.actor_user_id,
    row.target_email,
    row.target_user_id,
    row.invitation_id,
    row.ip,
    row.user_agent,
    JSON.stringify(row.details ?? {}),
  ]);
}

/**
 * Records an export as an "audit.exported" event (its filters in `details`) before any row is read,
 * so an interrupted download is on record too, and returns that event's position: the export holds
 * the events before it, not itself nor anything written while it streams.
 */
export async function recordAuditExport(
  db: DB,
  input: { actorUserId: string; given: AuditQuery["given"]; exportId: string } & RequestMeta,
): Promise<Keyset | null> {
  await audit(db, {
    action: "audit.exported",
    actorUserId: input.actorUserId,
    ip: input.ip,
    userAgent: input.userAgent,
    details: { filters: input.given, export_id: input.exportId },
  });
  const [own] = await db
    .select({ id: auditEvents.id, cursor_ts: cursorTimestamp(auditEvents.createdAt) })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, "audit.exported"),
        eq(auditEvents.actorUserId, input.actorUserId),
        sql`${auditEvents.details}->>'export_id' = ${input.exportId}`,
      ),
    )
    .limit(1);
  return own ? { createdAt: own.cursor_ts, id: own.id } : null;
}
