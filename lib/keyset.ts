import { createHmac } from "node:crypto";
import { sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { authSecrets, deriveKey } from "./auth/secret";
import { constantTimeEqual } from "./auth/tokens";

// Keyset pagination for every list (invitations, users, audit events): ORDER BY (created_at DESC,
// id DESC), and the next page starts strictly after the last row's (created_at, id). Never OFFSET:
// its cost grows with the page number, and rows inserted meanwhile shift it.
//
// The cursor carries the database's exact created_at as text (microseconds: a JavaScript Date keeps
// only milliseconds, and the rows one bulk statement inserts share a millisecond) and the id, and is
// signed with the list's name, so a malformed, edited or other list's cursor is refused (400
// invalid_request) instead of silently paging wrong.

export type Keyset = { createdAt: string; id: string };
export type ListName = "invitations" | "users" | "audit";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A column's exact value as cursor text (UTC, microseconds); select it as `cursor_ts`. */
export function cursorTimestamp(column: SQLWrapper): SQL<string> {
  return sql<string>`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * ORDER BY for every list: newest first. Spelled like the indexes (`DESC NULLS LAST`, drizzle-kit's
 * `.desc()`): a bare `DESC` (drizzle's desc()) means NULLS FIRST, and the planner then cannot walk
 * the index in order and reads and sorts every matching row for each page. The columns are NOT
 * NULL, so the order is the same.
 */
export function newestFirst(createdAt: SQLWrapper, id: SQLWrapper): SQL[] {
  return [sql`${createdAt} DESC NULLS LAST`, sql`${id} DESC NULLS LAST`];
}

/** `(created_at, id) < (cursor)`: the rows after the cursor in (created_at DESC, id DESC) order. */
export function afterCursor(createdAt: SQLWrapper, id: SQLWrapper, cursor: Keyset): SQL {
  return sql`(${createdAt}, ${id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`;
}

function sign(list: ListName, payload: string): string {
  return createHmac("sha256", deriveKey(authSecrets().current, "keyset-cursor-v1"))
    .update(`${list}\u0000${payload}`)
    .digest("base64url")
    .slice(0, 22);
}

export function encodeCursor(list: ListName, at: Keyset): string {
  const payload = Buffer.from(`${at.createdAt}|${at.id}`, "utf8").toString("base64url");
  return `${payload}.${sign(list, payload)}`;
}

/** The position a cursor names, or null when it is malformed, edited, or another list's. */
export function decodeCursor(list: ListName, cursor: string): Keyset | null {
  if (cursor.length > 200) return null;
  const [payload, mac, extra] = cursor.split(".");
  if (!payload || !mac || extra !== undefined || !constantTimeEqual(sign(list, payload), mac)) return null;
  const [createdAt, id, more] = Buffer.from(payload, "base64url").toString("utf8").split("|");
  if (more !== undefined || !TIMESTAMP.test(createdAt ?? "") || !UUID.test(id ?? "")) return null;
  return { createdAt, id };
}

/**
 * Ask for one row more than the page: its presence says there is a next page, and the last row
 * shown gives the cursor.
 */
export function page<T extends { id: string; cursor_ts: string }>(list: ListName, found: T[], limit: number) {
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, nextCursor: found.length > limit && last ? encodeCursor(list, { createdAt: last.cursor_ts, id: last.id }) : null };
}
