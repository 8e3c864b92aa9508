// db/index.ts registers drizzle's text parsers once on the PGlite instance and takes them off every
// query (withoutPerQueryParsers), because PGlite copies its whole parser table for a query that
// brings its own. The rows drizzle returns must not change: same values, same types, in and out
// of transactions.
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, describe, expect, it } from "vitest";
import { keepTextParsers, withoutPerQueryParsers } from "./index";

const SELECT = sql`SELECT now()::timestamp AS ts, now() AS tstz, interval '1 day 2 hours' AS iv, current_date AS d,
  ARRAY[1.5, 2]::numeric[] AS nums, ARRAY[now()]::timestamptz[] AS tstzs, 42 AS n, 'x'::text AS s, '{"a":1}'::jsonb AS j`;

describe("PGlite without per-query parsers", () => {
  const plain = new PGlite();
  const tuned = new PGlite();
  const seen: unknown[] = [];
  const spied = new Proxy(tuned, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === "query") return (q: string, p?: unknown[], o?: unknown) => (seen.push(o), value.call(target, q, p, o));
      return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
    },
  });
  afterAll(async () => {
    await plain.close();
    await tuned.close();
  });

  it("returns exactly what drizzle gets from PGlite with its own parsers, and sends none per query", async () => {
    await tuned.waitReady;
    keepTextParsers(tuned);
    await plain.exec("SET TimeZone TO 'UTC'");
    await tuned.exec("SET TimeZone TO 'UTC'");
    const freeze = sql`SELECT set_config('x.t', '1', false)`;
    const a = drizzle(plain);
    const b = drizzle(withoutPerQueryParsers(spied));
    await a.execute(freeze);
    await b.execute(freeze);
    // now() differs between the two databases: compare the shape and types, then values without it.
    const [ra] = (await a.execute(SELECT)).rows as Record<string, unknown>[];
    const [rb] = (await b.execute(SELECT)).rows as Record<string, unknown>[];
    expect(Object.keys(rb)).toEqual(Object.keys(ra));
    for (const key of Object.keys(ra)) expect(typeof rb[key], key).toBe(typeof ra[key]);
    expect(typeof rb.ts).toBe("string"); // drizzle's parsers keep timestamps as text
    expect(typeof rb.tstz).toBe("string");
    expect(rb.iv).toBe(ra.iv);
    expect(rb.d).toBe(ra.d);
    expect(rb.nums).toEqual(ra.nums);
    expect(rb.j).toEqual(ra.j);
    expect(seen.length).toBeGreaterThan(0);
    for (const options of seen) expect((options as { parsers?: unknown } | undefined)?.parsers).toBeUndefined();
  });

  it("does the same inside a transaction", async () => {
    const b = drizzle(withoutPerQueryParsers(spied));
    seen.length = 0;
    await tuned.refreshArrayTypes(); // PGlite sets its array parsers again: the wrapper puts drizzle's back
    const rows = await b.transaction(async (tx) => (await tx.execute(sql`SELECT now() AS t, interval '3 minutes' AS iv`)).rows);
    expect(typeof (rows[0] as { t: unknown }).t).toBe("string");
    expect((rows[0] as { iv: unknown }).iv).toBe("00:03:00");
    const [arrays] = (await b.execute(sql`SELECT ARRAY[1.5]::numeric[] AS nums`)).rows as { nums: unknown }[];
    expect(arrays.nums).toBe("{1.5}");
    for (const options of seen) expect((options as { parsers?: unknown } | undefined)?.parsers).toBeUndefined();
  });
});
