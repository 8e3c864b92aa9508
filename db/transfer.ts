// Moving the embedded database: to an empty Postgres database (npm run db:copy), and to and from a
// backup file (npm run db:backup / db:restore). Each refuses while a server holds the PGlite
// directory (its lock file, db/index.ts acquireDirectoryLock) and holds that lock while it works.
import fs from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { acquireDirectoryLock, openPglite, openPostgres } from "./index";

/** Every table, parents before children. The key orders the copy and the checksums. */
export const TABLES = [
  { name: "users", key: "id", type: "uuid" },
  { name: "invitations", key: "id", type: "uuid" },
  { name: "sessions", key: "id", type: "uuid" },
  { name: "rate_limits", key: "key", type: "text" },
  { name: "audit_events", key: "id", type: "uuid" },
  { name: "outbox", key: "id", type: "uuid" },
] as const;
type Table = (typeof TABLES)[number];

/** Rows fetched from PGlite and inserted into Postgres per statement. */
const COPY_BATCH = 1000;

export class TransferError extends Error {
  name = "TransferError";
}

/**
 * A table's fingerprint: its row count, an md5 over its ids in order, and an md5 over every row's
 * JSON (row_to_json, in UTC) in the same order. Equal on both sides = the same rows, the same values.
 */
export type TableSummary = { table: string; rows: number; ids: string; content: string };

type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

function pgliteQuery(pg: PGlite): Query {
  return async (text, params) => (await pg.query<Record<string, unknown>>(text, params)).rows;
}

// A text key is ordered byte-wise, so both sides agree whatever their collations.
const orderBy = (t: Table) => (t.type === "text" ? `t.${t.key} COLLATE "C"` : `t.${t.key}`);

/** Needs the session's TimeZone at UTC (timestamps in row_to_json carry the session's offset). */
async function summarize(q: Query, t: Table): Promise<TableSummary> {
  const [row] = await q(`
    SELECT count(*)::int AS rows,
      md5(coalesce(string_agg(t.${t.key}::text, ',' ORDER BY ${orderBy(t)}), '')) AS ids,
      md5(coalesce(string_agg(md5(row_to_json(t)::text), '' ORDER BY ${orderBy(t)}), '')) AS content
    FROM ${t.name} t`);
  return { table: t.name, rows: Number(row.rows), ids: String(row.ids), content: String(row.content) };
}

async function summarizeAll(q: Query): Promise<TableSummary[]> {
  const out: TableSummary[] = [];
  for (const t of TABLES) out.push(await summarize(q, t));
  return out;
}

/** Tables in the public schema, to check the list above still names every one. */
async function publicTables(q: Query): Promise<string[]> {
  const found = await q(`SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  return found.map((r) => String(r.name));
}

function assertKnownTables(found: string[], where: string) {
  const known = TABLES.map((t) => t.name as string).sort();
  const sorted = [...found].sort();
  if (sorted.join(",") !== known.join(",")) {
    throw new TransferError(
      `${where} has the tables ${sorted.join(", ") || "(none)"}, but this command copies ${known.join(", ")}: ` +
        `it is out of date with the schema (db/transfer.ts TABLES).`,
    );
  }
}

function assertDatabaseDir(dir: string) {
  if (!fs.existsSync(path.join(dir, "PG_VERSION"))) {
    throw new TransferError(`There is no embedded database at ${dir} (no PG_VERSION file there). Set PGLITE_DIR to its directory.`);
  }
}

/** The generated secret beside the PGlite directory (lib/auth/secret.ts), if there is one. */
export function authSecretFile(pgliteDir: string): string {
  return path.join(path.dirname(path.resolve(pgliteDir)), "auth-secret");
}

// ---- PGlite → Postgres -------------------------------------------------------------------------

export type CopyResult = {
  tables: TableSummary[];
  /** The generated `.data/auth-secret` the PGlite deployment used (null when there is none). */
  authSecret: { file: string; value: string | null };
};

/**
 * Copies every row of the embedded database in `pgliteDir` into the EMPTY Postgres database at
 * `targetUrl`: the schema by the app's own migrations (db/index.ts openPostgres: extensions
 * included), then each table's rows with their ids and timestamps exactly (row_to_json →
 * json_populate_recordset, microseconds and all), in one transaction that also checks, before it
 * commits, that every table has the same row count, ids and contents on both sides. Nothing is
 * committed unless all of it matches. Refuses a target that holds any table or data (a target
 * migrated by the app with every table still empty is accepted: a failed copy can be run again),
 * and a PGlite directory a server holds.
 */
export async function copyPgliteToPostgres(opts: {
  pgliteDir: string;
  targetUrl: string;
  log?: (line: string) => void;
}): Promise<CopyResult> {
  const log = opts.log ?? (() => {});
  const dir = path.resolve(opts.pgliteDir);
  assertDatabaseDir(dir);
  const release = acquireDirectoryLock(dir); // DatabaseBusyError while a server runs on it
  try {
    const state = await assertEmptyTarget(opts.targetUrl);
    log(state === "blank" ? "The target is empty; applying the app's migrations to it." : "The target has this app's schema and no rows; checking its migrations.");
    await (await openPostgres(opts.targetUrl)).close();

    // Migrated to the same version as the target (the app does this on its next start anyway).
    const source = await openPglite(dir);
    const { Client } = await import("pg");
    // A connection of its own, without the app pool's statement timeout: a big table's checksum
    // may take longer than a request should.
    const target = new Client({ connectionString: opts.targetUrl, connectionTimeoutMillis: 10_000 });
    try {
      const src = pgliteQuery((source.db as unknown as { $client: PGlite }).$client);
      await src("SET TimeZone TO 'UTC'");
      assertKnownTables(await publicTables(src), "The embedded database");
      await target.connect();
      const dst: Query = async (text, params) => (await target.query(text, params)).rows;
      assertKnownTables(await publicTables(dst), "The target after migrating");

      await dst("BEGIN");
      try {
        await dst("SET LOCAL statement_timeout = 0");
        await dst("SET LOCAL TimeZone TO 'UTC'");
        // Nothing else writes (an app instance started on the target meanwhile waits here), and
        // the tables are checked empty under the lock.
        await dst(`LOCK TABLE ${TABLES.map((t) => t.name).join(", ")} IN ACCESS EXCLUSIVE MODE`);
        for (const t of TABLES) {
          const [row] = await dst(`SELECT EXISTS (SELECT 1 FROM ${t.name}) AS present`);
          if (row.present) throw new TransferError(`The target's table ${t.name} is not empty; db:copy only writes into an empty database.`);
        }
        for (const t of TABLES) {
          const n = await copyTable(src, dst, t);
          log(`Copied ${t.name}: ${n} row(s).`);
        }
        const expected = await summarizeAll(src);
        const actual = await summarizeAll(dst);
        const wrong = expected.filter((e, i) => JSON.stringify(e) !== JSON.stringify(actual[i]));
        if (wrong.length) {
          throw new TransferError(
            `Verification failed (nothing was committed): ${wrong
              .map((e) => {
                const a = actual.find((x) => x.table === e.table)!;
                return `${e.table}: ${e.rows} row(s) here, ${a.rows} there${e.ids !== a.ids ? ", ids differ" : ""}${e.content !== a.content ? ", contents differ" : ""}`;
              })
              .join("; ")}`,
          );
        }
        await dst("COMMIT");
        return { tables: actual, authSecret: readAuthSecret(dir) };
      } catch (err) {
        await dst("ROLLBACK").catch(() => {});
        throw err;
      }
    } finally {
      await target.end().catch(() => {});
      await source.close();
    }
  } finally {
    release();
  }
}

async function copyTable(src: Query, dst: Query, t: Table): Promise<number> {
  let after: string | null = null;
  let copied = 0;
  for (;;) {
    const batch = await src(
      `SELECT t.${t.key}::text AS k, row_to_json(t)::text AS j FROM ${t.name} t
       ${after === null ? "" : `WHERE ${orderBy(t)} > $1::${t.type}`}
       ORDER BY ${orderBy(t)} LIMIT ${COPY_BATCH}`,
      after === null ? [] : [after],
    );
    if (batch.length === 0) return copied;
    // By column name, each value parsed by its column's type: ids, enums, jsonb and timestamps
    // (with their microseconds) arrive exactly as they were. INSERT is all audit_events allows.
    await dst(`INSERT INTO ${t.name} SELECT * FROM json_populate_recordset(NULL::${t.name}, $1::json)`, [
      `[${batch.map((r) => r.j as string).join(",")}]`,
    ]);
    copied += batch.length;
    after = batch[batch.length - 1].k as string;
  }
}

/**
 * Refuses a database that holds any table, view or sequence outside the system schemas (objects
 * that belong to an extension, such as a preinstalled pg_trgm, do not count), unless those are
 * exactly what the app's migrations create and every table is empty.
 */
async function assertEmptyTarget(url: string): Promise<"blank" | "migrated_empty"> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ schema: string; name: string; kind: string }>(`
      SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`);
    if (rows.length === 0) return "blank";
    const ours = new Set([
      ...TABLES.map((t) => `public.${t.name}`),
      "drizzle.__drizzle_migrations",
      "drizzle.__drizzle_migrations_id_seq",
    ]);
    const names = rows.map((r) => `${r.schema}.${r.name}`);
    const foreign = names.filter((n) => !ours.has(n));
    const refuse = (why: string) =>
      new TransferError(`The target database is not empty (${why}). db:copy only writes into an empty database: create a new one (CREATE DATABASE …) and pass its URL.`);
    if (foreign.length) throw refuse(`it has ${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", …" : ""}`);
    for (const t of TABLES) {
      if (!names.includes(`public.${t.name}`)) throw refuse(`it has part of this app's schema`);
      const { rows: found } = await client.query(`SELECT EXISTS (SELECT 1 FROM ${t.name}) AS present`);
      if (found[0].present) throw refuse(`its table ${t.name} has rows`);
    }
    return "migrated_empty";
  } finally {
    await client.end().catch(() => {});
  }
}

function readAuthSecret(dir: string): CopyResult["authSecret"] {
  const file = authSecretFile(dir);
  try {
    const value = fs.readFileSync(file, "utf8").trim();
    return { file, value: value || null };
  } catch {
    return { file, value: null };
  }
}

/**
 * What the operator must set on the Postgres deployment, as lines to print. The secret's value, when
 * there is a generated one, is the last line and appears nowhere else.
 */
export function copyInstructions(result: CopyResult, shell: { AUTH_SECRET?: string; AUTH_SECRET_PREVIOUS?: string }): string[] {
  const lines = [
    "",
    "Next: run the app with DATABASE_URL set to the --to URL, and the same AUTH_SECRET on every instance",
    "(Postgres requires one; onboarding tokens in flight and device cookies were signed with it).",
  ];
  if (shell.AUTH_SECRET_PREVIOUS) lines.push("Also keep AUTH_SECRET_PREVIOUS as it is set in this shell.");
  const { file, value } = result.authSecret;
  if (value === null) {
    if (shell.AUTH_SECRET) {
      lines.push(`There is no generated secret (${file}): the embedded deployment used AUTH_SECRET. Set that same value.`);
    } else {
      lines.push(
        `There is no generated secret (${file}) and no AUTH_SECRET in this shell: set a new one, at least 32 random bytes, e.g.`,
        `  node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
      );
    }
    return lines;
  }
  if (shell.AUTH_SECRET && shell.AUTH_SECRET !== value) {
    lines.push(`AUTH_SECRET is set in this shell: if the embedded server ran with it, keep that value instead of the one below.`);
  }
  lines.push(
    `Set this AUTH_SECRET (the one generated into ${file}; keep it secret, it is shown only here):`,
    "",
    `AUTH_SECRET=${value}`,
  );
  return lines;
}

// ---- backup and restore ------------------------------------------------------------------------

async function openRaw(dir: string, loadDataDir?: Blob): Promise<PGlite> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const pg = new PGlite(dir, { extensions: { pg_trgm }, ...(loadDataDir && { loadDataDir }) });
  await pg.waitReady;
  await pg.exec("SET TimeZone TO 'UTC'");
  return pg;
}

/** Summaries of the tables that exist (an older database may lack some). */
async function summarizeExisting(q: Query): Promise<TableSummary[]> {
  const present = new Set(await publicTables(q));
  const out: TableSummary[] = [];
  for (const t of TABLES) if (present.has(t.name)) out.push(await summarize(q, t));
  return out;
}

/**
 * Writes the embedded database in `pgliteDir` to `file` (a gzipped tar of its data directory,
 * PGlite's dumpDataDir, after a CHECKPOINT), holding the directory's lock: refused while a server
 * runs on it, so the copy is consistent. Never overwrites a file; the file is created mode 0600
 * (it holds password and token hashes).
 */
export async function backupPglite(opts: { pgliteDir: string; file: string }): Promise<{ file: string; bytes: number; tables: TableSummary[] }> {
  const dir = path.resolve(opts.pgliteDir);
  const file = path.resolve(opts.file);
  assertDatabaseDir(dir);
  if (fs.existsSync(file)) throw new TransferError(`${file} already exists; choose another name (a backup never overwrites a file).`);
  const release = acquireDirectoryLock(dir);
  try {
    const pg = await openRaw(dir);
    let data: Buffer;
    let tables: TableSummary[];
    try {
      tables = await summarizeExisting(pgliteQuery(pg));
      await pg.exec("CHECKPOINT");
      data = Buffer.from(await (await pg.dumpDataDir("gzip")).arrayBuffer());
    } finally {
      await pg.close();
    }
    const partial = `${file}.partial-${process.pid}`;
    fs.writeFileSync(partial, data, { flag: "wx", mode: 0o600 });
    try {
      fs.linkSync(partial, file); // fails, rather than overwrite, if the file appeared meanwhile
    } finally {
      fs.rmSync(partial, { force: true });
    }
    return { file, bytes: data.length, tables };
  } finally {
    release();
  }
}

/**
 * Restores a backup into `pgliteDir`, which must be absent or empty (refused otherwise), holding the
 * directory's lock. On failure, whatever it wrote there is removed again.
 */
export async function restorePglite(opts: { file: string; pgliteDir: string }): Promise<{ tables: TableSummary[] }> {
  const dir = path.resolve(opts.pgliteDir);
  const file = path.resolve(opts.file);
  if (!fs.existsSync(file)) throw new TransferError(`${file} does not exist.`);
  const existed = fs.existsSync(dir);
  if (existed && fs.readdirSync(dir).length > 0) {
    throw new TransferError(`${dir} is not empty; restore only into an empty or absent directory (set PGLITE_DIR, or move that one away).`);
  }
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const release = acquireDirectoryLock(dir);
  try {
    let pg: PGlite | undefined;
    try {
      pg = await openRaw(dir, await fs.openAsBlob(file));
      const tables = await summarizeExisting(pgliteQuery(pg));
      await pg.close();
      pg = undefined;
      return { tables };
    } catch (err) {
      await pg?.close().catch(() => {});
      if (existed) for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
      else fs.rmSync(dir, { recursive: true, force: true });
      throw new TransferError(`Could not restore ${file}: ${(err as Error).message}`);
    }
  } finally {
    release();
  }
}

/** Fingerprints of every table of the embedded database in `pgliteDir` (tests, and after a restore). */
export async function summarizePglite(pgliteDir: string): Promise<TableSummary[]> {
  const dir = path.resolve(pgliteDir);
  assertDatabaseDir(dir);
  const release = acquireDirectoryLock(dir);
  try {
    const pg = await openRaw(dir);
    try {
      return await summarizeExisting(pgliteQuery(pg));
    } finally {
      await pg.close();
    }
  } finally {
    release();
  }
}
