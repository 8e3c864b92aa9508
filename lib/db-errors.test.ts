import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/db";
import { isDatabaseUnavailable } from "./db-errors";
import { route } from "./http";
import { rows } from "./rate-limit";
import { request } from "./testing/api";

const withCode = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it.each([
    ["pg: Connection terminated unexpectedly (no code)", new Error("Connection terminated unexpectedly")],
    ["pg: connection timeout", new Error("Connection terminated due to connection timeout")],
    ["pg: timeout expired while connecting", new Error("timeout expired")],
    ["pg-pool: no free client in time", new Error("timeout exceeded when trying to connect")],
    ["pg: query_timeout", new Error("Query read timeout")],
    ["pg: a client that lost its connection", new Error("Client has encountered a connection error and is not queryable")],
    ["pg-pool: ended (shutting down)", new Error("Cannot use a pool after calling end on the pool")],
    ["57P01 admin_shutdown", withCode("57P01", "terminating connection due to administrator command")],
    ["57P02 crash_shutdown", withCode("57P02")],
    ["57P03 cannot_connect_now", withCode("57P03", "the database system is starting up")],
    ["57014 statement timeout", withCode("57014", "canceling statement due to statement timeout")],
    ["08006 connection_failure", withCode("08006")],
    ["53300 too_many_connections", withCode("53300")],
    ["ECONNREFUSED", withCode("ECONNREFUSED")],
    ["ECONNRESET", withCode("ECONNRESET")],
    ["ETIMEDOUT", withCode("ETIMEDOUT")],
    ["PGlite's directory lock", Object.assign(new Error("in use"), { name: "DatabaseBusyError" })],
    ["PGlite closed (shutting down)", new Error("PGlite is closed")],
    ["drizzle's wrapper around a driver error", Object.assign(new Error("Failed query: select 1"), { cause: withCode("57P01") })],
    ["Node's AggregateError from a failed connect", new AggregateError([withCode("ECONNREFUSED"), withCode("ECONNREFUSED")], "")],
  ])("%s → unavailable", (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ["a unique violation", withCode("23505", "duplicate key value")],
    ["a serialization failure", withCode("40001")],
    ["a syntax error", withCode("42601")],
    ["a plain bug", new TypeError("Cannot read properties of undefined")],
    ["drizzle's wrapper around a constraint error", Object.assign(new Error("Failed query"), { cause: withCode("23503") })],
    ["not an error", "Connection terminated unexpectedly"],
    ["null", null],
  ])("%s → not unavailable", (_, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it("does not loop on a cause cycle", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    a.cause = a;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});

// The real driver's failures through route(): what a request sees. Postgres only (PGlite has no
// statement timeout and no backends to terminate).
const onPostgres = Boolean(process.env.DATABASE_URL);
const saved = { DB_STATEMENT_TIMEOUT_MS: process.env.DB_STATEMENT_TIMEOUT_MS };

describe.skipIf(!onPostgres)("route() on Postgres's own failures", () => {
  afterEach(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await closeDb();
  });

  const probe = (query: ReturnType<typeof sql>) =>
    route(async () => {
      const db = await getDb();
      await db.execute(query);
      return new Response("unexpected");
    });

  async function expect503(res: Response) {
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await res.json()).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
  }

  it("a statement over DB_STATEMENT_TIMEOUT_MS (57014) is 503 service_unavailable", async () => {
    await closeDb();
    process.env.DB_STATEMENT_TIMEOUT_MS = "200";
    await getDb();
    await expect503(await probe(sql`select pg_sleep(3)`)(request("/api/probe")));
  });

  it("a backend terminated mid-query (pg_terminate_backend) is 503, and the pool recovers", async () => {
    await closeDb();
    const db = await getDb();
    const marker = `probe_${randomBytes(6).toString("hex")}`;
    const pending = probe(sql.raw(`select pg_sleep(10) as ${marker}`))(request("/api/probe"));
    // Kill the backend running that query (the app's role may end its own backends).
    for (let i = 0; i < 100; i++) {
      const killed = await db.execute(
        sql.raw(`select pg_terminate_backend(pid) as ok from pg_stat_activity where query like '%as ${marker}%' and pid <> pg_backend_pid()`),
      );
      if (rows(killed).length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await expect503(await pending);
    // The next request gets a fresh connection.
    const again = await db.execute(sql`select 1 as one`);
    expect(rows(again)).toEqual([{ one: 1 }]);
  });
});
