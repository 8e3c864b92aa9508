import fs from "node:fs";
import path from "node:path";
import { fillPlaceholders, type Column } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { PoolClient } from "pg";
import { env } from "../lib/env";
import { logger } from "../lib/logger";
import { backfillCanonicalEmails } from "./canonical-emails";
import * as schema from "./schema";

// Both drivers are used through this one type.
export type DB = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Handle = {
  db: DB;
  driver: "pglite" | "postgres";
  close(): Promise<void>;
  /** The cheapest round trip the driver has (`select 1` by the simple protocol, no ORM): the health check. */
  ping(): Promise<void>;
  /** Postgres: opens the pool's connections now (at start), so the first burst does not open them all at once. */
  warm?(): Promise<number>;
};

/** Connections per process in the Postgres pool; opened at start and kept. */
export const POOL_MAX = 10;

// Next evaluates this module once per route bundle (and again on every HMR edit); two PGlite
// instances on one directory silently lose writes, so the handle lives on globalThis.
const g = globalThis as unknown as { __dbHandle?: Promise<Handle>; __closeDb?: () => Promise<void> };

const migrationsFolder = path.join(process.cwd(), "db", "migrations");
const MIGRATION_LOCK_ID = 727272;

export function getDb(): Promise<DB> {
  return getHandle().then((h) => h.db);
}

/** Resolves once the database answers a trivial query (GET /api/health). */
export async function pingDatabase(): Promise<void> {
  await (await getHandle()).ping();
}

export function getHandle(): Promise<Handle> {
  if (!g.__dbHandle) {
    const pending = open();
    g.__dbHandle = pending;
    // A failed open must not stick: the next call tries again once the database is back.
    pending.catch(() => {
      if (g.__dbHandle === pending) g.__dbHandle = undefined;
    });
    g.__closeDb = closeDb;
  }
  return g.__dbHandle;
}

export async function closeDb(): Promise<void> {
  const pending = g.__dbHandle;
  g.__dbHandle = undefined;
  // An open that failed (or is still failing) has nothing to close.
  const handle = await pending?.catch(() => undefined);
  await handle?.close();
}

async function open(): Promise<Handle> {
  const url = env().DATABASE_URL;
  return url ? openPostgres(url) : openPglite(env().PGLITE_DIR);
}

/** Opens and migrates one Postgres database (outside getDb's shared handle; npm run db:copy). */
export async function openPostgres(url: string): Promise<Handle> {
  const { Client, Pool, types } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const { migrate } = await import("drizzle-orm/node-postgres/migrator");
  const { DB_CONNECT_TIMEOUT_MS: connectMs, DB_STATEMENT_TIMEOUT_MS: statementMs } = env();

  // Migrations get a connection of their own, without the statement timeout: waiting for another
  // instance's migration lock, or a long backfill, is not a request that should be cut short.
  const migrator = new Client({ connectionString: url, connectionTimeoutMillis: connectMs });
  migrator.on("error", (err) => logger.error({ err: { message: err.message } }, "postgres migration connection error"));
  await migrator.connect();
  try {
    // drizzle's migrator takes no lock; two instances starting at once would race.
    await migrator.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    try {
      const migrating = drizzle(migrator, { schema });
      await migrate(migrating, { migrationsFolder });
      await backfillCanonicalEmails(migrating as unknown as DB);
    } finally {
      await migrator.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]);
    }
  } finally {
    await migrator.end().catch(() => {});
  }

  // DB_CONNECT_TIMEOUT_MS bounds opening a connection (an unreachable database, or one that accepts
  // and never answers, is a 503 after this long, never a hang), not the wait for a free pooled one:
  // pg-pool would apply it to both, and a storm of claims on a busy but healthy database would then
  // get 503s while queued. That wait is bounded by the statement timeout of the queries ahead of it.
  //
  // A statement given to keepPlanned (below) is sent by its label: node-postgres then parses it once
  // per connection and Postgres plans it from there, where each unnamed statement was parsed and
  // planned every time it ran. The planned statements are shared by the pool and each of its clients
  // (a transaction's client is one of them).
  const planned: Planned = new Map();
  class TimedClient extends Client {
    constructor(config?: ConstructorParameters<typeof Client>[0]) {
      super({ ...(typeof config === "object" ? config : { connectionString: config }), connectionTimeoutMillis: connectMs });
      Object.defineProperty(this, PLANNED, { value: planned });
    }
    query(...args: unknown[]): never {
      const [config] = args;
      if (config && typeof config === "object" && !("name" in config && config.name) && "text" in config && typeof config.text === "string") {
        const statement = planned.get(config.text);
        if (statement) args[0] = { ...config, name: statement.name };
      }
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }
  // drizzle's transaction() checks a client out with pool.connect() and sends BEGIN before its
  // try/finally (drizzle-orm 0.45): when BEGIN fails because the connection just died, the client is
  // never released. Each such leak takes a pool slot for good; after `max` of them every request
  // waits forever. And a checked-out client whose connection dies between queries emits "error" with
  // no listener (an uncaught exception). So a client checked out with the promise form (what
  // transaction() uses; pool.query handles its own) goes back to the pool, which discards it, as soon
  // as its connection fails, and the holder's own release() afterwards does nothing.
  class ReleasingPool extends Pool {
    connect(): Promise<PoolClient>;
    connect(callback: PoolConnectCallback): void;
    connect(callback?: PoolConnectCallback) {
      if (callback) return super.connect(callback);
      return super.connect().then(releaseWhenBroken);
    }
  }
  const pool = new ReleasingPool({
    connectionString: url,
    max: POOL_MAX,
    // Kept open once opened (warm(), at start): a burst after a quiet spell would otherwise open up to
    // POOL_MAX connections at once, each within DB_CONNECT_TIMEOUT_MS, on a machine already busy.
    min: POOL_MAX,
    Client: TimedClient,
    // Enforced by the server (SQLSTATE 57014), so a lock wait or a runaway query cannot hold a request.
    ...(statementMs > 0 && {
      statement_timeout: statementMs,
      // The client-side backstop for a server that stops answering without closing the connection.
      query_timeout: statementMs + connectMs,
    }),
  });
  // Without a listener, an idle client killed by the server would crash the process.
  pool.on("error", (err) => logger.error({ err: { message: err.message } }, "postgres pool client error"));
  const warm = async () => {
    const opened = await Promise.allSettled(Array.from({ length: POOL_MAX }, () => pool.connect()));
    for (const c of opened) if (c.status === "fulfilled") c.value.release();
    return opened.filter((c) => c.status === "fulfilled").length;
  };
  const ping = async () => void (await pool.query("select 1"));
  Object.defineProperty(pool, PLANNED, { value: planned });
  const db = drizzle(pool, { schema }) as unknown as DB;
  // What drizzle asks of node-postgres for a prepared select (see hotSelect, below): a named
  // statement, rows as arrays, timestamps, dates and intervals as the text Postgres sent.
  const asDrizzleGetsThem = { getTypeParser: (oid: number, format?: string) => (DRIZZLE_TEXT_TYPES.includes(oid) ? text : types.getTypeParser(oid, format as "text")) };
  setHotRows(db, async (name, query, values) => (await pool.query({ name, text: query, values, rowMode: "array", types: asDrizzleGetsThem })).rows);
  return { db, driver: "postgres", close: () => pool.end(), ping, warm };
}

type PoolConnectCallback = (err: Error | undefined, client: PoolClient | undefined, done: (release?: Error | boolean) => void) => void;

/** See ReleasingPool in openPostgres: the client goes back (with the error) when its connection fails. */
function releaseWhenBroken(client: PoolClient): PoolClient {
  const release = client.release;
  let released = false;
  const onError = (err: Error) => client.release(err);
  client.on("error", onError);
  client.release = (err?: Error | boolean) => {
    if (released) return;
    released = true;
    client.removeListener("error", onError);
    release(err);
  };
  return client;
}

/** Opens, locks and migrates one PGlite directory (outside getDb's shared handle; npm run db:copy). */
export async function openPglite(dir: string): Promise<Handle> {
  const { PGlite } = await import("@electric-sql/pglite");
  // Substring search uses trigram indexes; PGlite loads the extension only when it is passed here.
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const inMemory = dir.startsWith("memory://");
  let releaseLock = () => {};
  if (!inMemory) {
    fs.mkdirSync(path.dirname(path.resolve(dir)), { recursive: true });
    releaseLock = acquireDirectoryLock(dir);
  }
  try {
    const client = inMemory ? new PGlite({ extensions: { pg_trgm } }) : new PGlite(dir, { extensions: { pg_trgm } });
    await client.waitReady;
    // PGlite's pages live in memory or the OS's file cache, so reading one at random costs about
    // what reading the next one does (the setting people use for SSDs). At Postgres's default of
    // 4, the planner took a table of a few hundred users for cheaper to scan whole than to probe
    // by primary key, and the link lookup read every user (db/pglite-planned.test.ts). Set for the
    // instance's one session, not stored in the database.
    await client.exec("SET random_page_cost = 1.1");
    keepTextParsers(client);
    const proxied = withoutPerQueryParsers(client);
    const db = drizzle(proxied, { schema });
    // Through the same proxy drizzle uses: the instance's text parsers, and keepPlanned's EXECUTE.
    setHotRows(db as unknown as DB, async (_name, query, values) => (await proxied.query<unknown[]>(query, values, { rowMode: "array" })).rows);
    await migrate(db, { migrationsFolder });
    await backfillCanonicalEmails(db as unknown as DB);
    // PGlite has no autovacuum, so no statistics unless asked: without them the planner takes a big
    // table for an empty one and sorts instead of walking an index. Refreshed again by lib/startup.ts.
    await client.exec("ANALYZE");
    return {
      db: db as unknown as DB,
      driver: "pglite",
      ping: async () => void (await client.exec("select 1")),
      close: async () => {
        await client.close();
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/*
 * The few reads every onboarding page, get_token and claim makes (the link lookup) are run on the
 * driver itself. drizzle's prepared statement, on top of the round trip, runs its tracing and cache
 * wrappers, several more promises and its row mapper: in short runs on Postgres (README, Performance),
 * a get_token cut down to the lookup gave 0.75–0.80 × health through drizzle's statement and
 * 0.85–0.88 with the same query sent by node-postgres directly. hotSelect keeps
 * what matters of drizzle: the SQL it built from the schema, its placeholders, and each column's own
 * mapping from the driver's value, so the rows are exactly the ones drizzle returns
 * (lib/onboarding.test.ts compares them on both drivers).
 */
type HotRows = (name: string, query: string, values: unknown[]) => Promise<unknown[][]>;
const HOT_ROWS = Symbol.for("invite-onboarding.hot-rows");

function setHotRows(db: DB, run: HotRows): void {
  Object.defineProperty(db, HOT_ROWS, { value: run });
}

/** The select's shape, as given to `db.select(shape)`: tables' columns, one level deep. */
type Shape = Record<string, Record<string, Column>>;

/**
 * A prepared select run by the driver directly (see above), for an inner join or a single table
 * selected as `shape` (a left join's missing side is not turned into null here). Without a handle
 * opened by this module (a transaction, a test's own drizzle), it runs the drizzle statement itself.
 */
export function hotSelect<Q extends { getQuery(): { sql: string; params: unknown[] }; execute(values?: Record<string, unknown>): Promise<unknown> }>(
  db: DB,
  name: string,
  prepared: Q,
  shape: Shape,
): (values: Record<string, unknown>) => ReturnType<Q["execute"]> {
  keepPlanned(db, name, prepared);
  const run = (db as unknown as { [HOT_ROWS]?: HotRows })[HOT_ROWS];
  if (!run) return (values) => prepared.execute(values) as ReturnType<Q["execute"]>;
  const { sql: query, params } = prepared.getQuery();
  const fields = Object.entries(shape).flatMap(([group, columns]) => Object.entries(columns).map(([key, column]) => ({ group, key, column })));
  const mapRow = (row: unknown[]) => {
    const out: Record<string, Record<string, unknown>> = {};
    fields.forEach(({ group, key, column }, i) => {
      const value = row[i];
      (out[group] ??= {})[key] = value === null ? null : column.mapFromDriverValue(value);
    });
    return out;
  };
  return (async (values: Record<string, unknown>) => (await run(name, query, fillPlaceholders(params, values))).map(mapRow)) as (
    values: Record<string, unknown>,
  ) => ReturnType<Q["execute"]>;
}

/**
 * drizzle hands PGlite the same parsers with every query (timestamps, dates, intervals and their
 * arrays stay text; drizzle's columns map them), and PGlite then copies its whole table of about 320
 * type parsers for that one query: 0.06–0.09 ms per query, more than a `select 1` costs. So these
 * parsers are set once on the instance (keepTextParsers), and withoutPerQueryParsers takes them off
 * each query when they are exactly these (anything else passes through as it came). The rows
 * drizzle sees are the same (db/pglite-parsers.test.ts).
 */
const DRIZZLE_TEXT_TYPES = [1114, 1184, 1186, 1082, 1231, 1115, 1185, 1187, 1182]; // timestamp, timestamptz, interval, date; numeric[], timestamp[], timestamptz[], interval[], date[]
const text = (value: string) => value;

type Parsers = Record<number, unknown>;
type QueryOptions = { parsers?: Parsers } & Record<string, unknown>;

/**
 * Sets drizzle's text parsers on the instance. PGlite sets its array types' parsers itself once
 * ready (and again on refreshArrayTypes), over these: call it once the instance is ready, and
 * withoutPerQueryParsers checks them again before each query.
 */
export function keepTextParsers(instance: { parsers: Parsers }): void {
  for (const oid of DRIZZLE_TEXT_TYPES) if (instance.parsers[oid] !== text) instance.parsers[oid] = text;
}

/**
 * `instance`: the PGlite whose parsers apply (a transaction's client has none of its own).
 * `planned`: the statements kept planned on this instance (keepPlanned, below), shared with its
 * transactions' clients.
 */
export function withoutPerQueryParsers<T extends object>(client: T, instance = client as unknown as { parsers: Parsers }, planned: Planned = new Map(), inTransaction = false): T {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === PLANNED) return planned;
      const value = Reflect.get(target, prop, target);
      if (prop === "query" && typeof value === "function") {
        return (query: string, params?: unknown[], options?: QueryOptions) => {
          const rest = withoutDrizzleParsers(options);
          if (rest !== options) keepTextParsers(instance);
          const statement = planned.get(query);
          const literals = statement && asLiterals(params);
          // In a transaction, never wait for a PREPARE another caller started: it is queued behind this one.
          if (statement && literals && (!inTransaction || statement.ready || !statement.preparing)) return executePlanned(target as unknown as Exec, statement, query, literals, rest);
          return value.call(target, query, params, rest);
        };
      }
      if (prop === "transaction" && typeof value === "function") {
        return (fn: (tx: object) => unknown, ...args: unknown[]) => value.call(target, (tx: object) => fn(withoutPerQueryParsers(tx, instance, planned, true)), ...args);
      }
      return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
    },
  });
}

/*
 * PGlite plans every statement it is sent, in WebAssembly on the request thread, and runs a
 * parameterized query as six protocol steps (parse, describe, bind, describe, execute, sync). For the
 * link lookup every get_token, claim and onboarding page makes, that was about 0.5 ms, several times
 * what running the join costs; in a claim's transaction, about 0.5 ms of each statement's 0.8–1.2.
 * Postgres pays less for it, but pays it too for every unnamed statement (parse and plan, each
 * time); a named one node-postgres parses once per connection. So on Postgres a statement given to
 * keepPlanned is sent by its label (openPostgres's TimedClient), and on PGlite it is prepared in SQL
 * (PREPARE, once; Postgres then keeps a generic plan once it finds one as good) and run by EXECUTE
 * over the simple protocol. EXECUTE takes
 * no bound parameters, so its arguments are written as literals, and only values that cannot leave
 * their quotes are: integers, booleans, null, and strings of letters, digits, space and
 * `_ , - . : / $ @ { } " ( ) + ; =` (a SHA-256 in hex, a UUID, a bcrypt hash, an ISO time, an IP
 * address, a browser's user agent, a small JSON object of such values), never a quote or a backslash.
 * Any other value runs the ordinary way.
 *
 * The PREPARE runs on the connection that first uses the statement, a transaction's too: PGlite has
 * one connection, and a transaction holding it must not wait for a PREPARE queued behind it (so a
 * transaction that finds another caller's PREPARE under way runs the statement the ordinary way).
 * A prepared statement belongs to the session, not to the transaction: it outlives a rollback
 * (db/pglite-planned.test.ts).
 */
type Statement = { name: string; ready: boolean; preparing?: Promise<void> };
/** By statement text; `labels`: the labels already seen (keepPlanned builds each text once per label). */
type Planned = Map<string, Statement> & { labels?: Set<string> };
type Exec = { exec(query: string, options?: QueryOptions): Promise<Array<{ rows: unknown[] }>> };
// Read from the client itself, not from a module-level map: Next evaluates this module once per
// route bundle, and the bundle that opened the handle is rarely the one that prepares a statement.
const PLANNED = Symbol.for("invite-onboarding.planned-statements");
const SAFE_TEXT = /^[0-9A-Za-z_,.:/$@{}"()+;= -]*$/;

/** What keepPlanned takes: a drizzle prepared statement, or a query builder. */
type Plannable = { getQuery(): { sql: string } } | { toSQL(): { sql: string } };

/**
 * Keeps a statement planned on PGlite (see above) and returns it, to be run as usual (awaited, or
 * `.execute()`d), on the handle or in a transaction of it. `label` names it in the database; one label
 * is one statement text: its SQL is built here only the first time the label is seen, since building
 * it costs about as much as running a small statement. On Postgres the label becomes the statement's
 * name on every connection of the pool.
 */
export function keepPlanned<Q extends Plannable>(db: DB, label: string, statement: Q): Q {
  const planned = plannedOf(db);
  if (!planned || !/^[a-z_][a-z0-9_]*$/.test(label)) return statement;
  const labels = (planned.labels ??= new Set());
  if (labels.has(label)) return statement;
  labels.add(label);
  const text = "getQuery" in statement ? statement.getQuery().sql : statement.toSQL().sql;
  // Each route bundle builds the statement again (its own module copy): the first one's entry stays.
  // A label is registered once, so its name is never taken and no PREPARE fails on it.
  if (!planned.has(text)) planned.set(text, { name: label, ready: false });
  return statement;
}

/** The planned statements of a handle or of a transaction of it (drizzle's session client). */
function plannedOf(db: DB): Planned | undefined {
  const handle = db as unknown as { $client?: { [PLANNED]?: Planned }; session?: { client?: { [PLANNED]?: Planned } } };
  return (handle.$client ?? handle.session?.client)?.[PLANNED];
}

function asLiterals(params: unknown[] = []): string[] | null {
  const literals: string[] = [];
  for (const p of params) {
    if (p === null) literals.push("NULL");
    else if (typeof p === "boolean") literals.push(String(p));
    else if (typeof p === "number" && Number.isSafeInteger(p)) literals.push(String(p));
    else if (typeof p === "string" && SAFE_TEXT.test(p)) literals.push(`'${p}'`);
    else return null;
  }
  return literals;
}

async function executePlanned(client: Exec, statement: Statement, text: string, literals: string[], options: QueryOptions | undefined) {
  if (!statement.ready) {
    // Concurrent first uses share one PREPARE; a failed one is tried again by the next use.
    statement.preparing ??= client.exec(`PREPARE ${statement.name} AS ${text}`).then(
      () => void (statement.ready = true),
      (err) => {
        statement.preparing = undefined;
        throw err;
      },
    );
    await statement.preparing;
  }
  // A statement without parameters is executed without parentheses (`EXECUTE name()` is a syntax error).
  const args = literals.length ? `(${literals.join(", ")})` : "";
  const [result] = await client.exec(`EXECUTE ${statement.name}${args}`, options);
  return result;
}

function withoutDrizzleParsers(options: QueryOptions | undefined): QueryOptions | undefined {
  if (!options?.parsers) return options;
  const oids = Object.keys(options.parsers).map(Number);
  if (oids.length !== DRIZZLE_TEXT_TYPES.length || !oids.every((oid) => DRIZZLE_TEXT_TYPES.includes(oid))) return options;
  const { parsers: _, ...rest } = options;
  return rest;
}

/**
 * PGlite is single-process: a second process opening the same directory would corrupt it quietly.
 * A lock file holding our pid makes that fail loudly; a lock whose pid is dead (a killed server) is
 * taken over.
 */
export function acquireDirectoryLock(dir: string): () => void {
  const lockPath = `${path.resolve(dir)}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: "wx", mode: 0o600 });
      const release = () => {
        try {
          if (fs.readFileSync(lockPath, "utf8") === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number.parseInt(readOrEmpty(lockPath), 10);
      if (holder === process.pid) return () => {};
      if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) {
        throw new DatabaseBusyError(
          `The embedded database at ${dir} is in use by another process (pid ${holder}). ` +
            `PGlite allows one process at a time: stop that process, or set DATABASE_URL to use Postgres.`,
        );
      }
      // Stale lock from a process that no longer exists.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseBusyError(`Could not take the lock on ${dir}; another process keeps taking it.`);
}

export class DatabaseBusyError extends Error {
  name = "DatabaseBusyError";
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
