// The cases `npm run bench:scale` times: each calls the real list function in lib/, so the SQL
// measured (and EXPLAIN ANALYZEd) is exactly what the API runs.
import { listAuditEvents } from "../lib/audit-log";
import { listInvitations } from "../lib/invitations";
import { decodeCursor, type Keyset, type ListName } from "../lib/keyset";
import { listUsers } from "../lib/users";
import type { Case } from "./bench-scale";

type Db = Parameters<Case["run"]>[0];
type Listed = { nextCursor: string | null };

/** Follows the cursor `pages` times, then times the next page alone (the run measures both). */
async function deepCursor(list: ListName, first: (db: Db, after: Keyset | null) => Promise<Listed>, db: Db, pages: number) {
  let after: Keyset | null = null;
  for (let i = 0; i < pages; i++) {
    const r = await first(db, after);
    if (!r.nextCursor) break;
    after = decodeCursor(list, r.nextCursor);
  }
  return after;
}

const inv = (db: Db, cursor: Keyset | null, extra: Parameters<typeof listInvitations>[1] = {}) =>
  listInvitations(db as never, { limit: 50, cursor, ...extra });
const usr = (db: Db, after: Keyset | null, extra: Parameters<typeof listUsers>[1] = {}) =>
  listUsers(db as never, { limit: 50, after, ...extra });
const aud = (db: Db, cursor: Keyset | null) => listAuditEvents(db as never, { filters: {}, limit: 50, cursor });

// Cursors 200 pages deep, found once (not part of the timing).
const deep: Partial<Record<ListName, Keyset | null>> = {};
async function deepOnce(list: ListName, db: Db, f: (db: Db, after: Keyset | null) => Promise<Listed>) {
  if (!(list in deep)) deep[list] = await deepCursor(list, f, db, 200);
  return deep[list]!;
}

export const CASES: Case[] = [
  { name: "invitations: first page", run: (db) => inv(db, null) },
  { name: "invitations: page after following the cursor 200 times", run: async (db) => inv(db, await deepOnce("invitations", db, inv)) },
  { name: "invitations: status=pending, first page", run: (db) => inv(db, null, { status: "pending" }) },
  { name: "invitations: status=revoked, first page", run: (db) => inv(db, null, { status: "revoked" }) },
  { name: "invitations: q rare (seed-777777.)", run: (db) => inv(db, null, { q: "seed-777777." }) },
  { name: "invitations: q common (example)", run: (db) => inv(db, null, { q: "example" }) },
  { name: "users: first page", run: (db) => usr(db, null) },
  { name: "users: page after following the cursor 200 times", run: async (db) => usr(db, await deepOnce("users", db, usr)) },
  { name: "users: status=disabled, first page", run: (db) => usr(db, null, { status: "disabled" }) },
  { name: "users: q rare (seed-777777.)", run: (db) => usr(db, null, { q: "seed-777777." }) },
  { name: "users: q common (example)", run: (db) => usr(db, null, { q: "example" }) },
  { name: "audit: first page", run: (db) => aud(db, null) },
  { name: "audit: page after following the cursor 200 times", run: async (db) => aud(db, await deepOnce("audit", db, aud)) },
];
