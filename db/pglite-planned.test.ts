// db/index.ts keepPlanned: on PGlite the link lookup is PREPAREd once and run by EXECUTE, with its
// arguments written as literals, and only values that cannot leave their quotes are. These tests
// check that it is really prepared, that drizzle gets exactly the rows the ordinary query gives,
// that any other value still runs (the ordinary way, bound), that concurrent first uses share one
// PREPARE, and that a transaction never prepares but uses a statement already prepared.
import { PGlite } from "@electric-sql/pglite";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation } from "../lib/invitations";
import { sha256Hex } from "../lib/auth/tokens";
import { findInvitationBySecret } from "../lib/onboarding";
import { invitations, users } from "./schema";
import { keepPlanned, keepTextParsers, openPglite, withoutPerQueryParsers, type DB, type Handle } from "./index";

const things = pgTable("things", { id: integer("id").primaryKey(), label: text("label").notNull() });

type Client = {
  query(q: string, p?: unknown[], o?: object): Promise<{ rows: unknown[] }>;
  transaction<T>(fn: (tx: Client) => Promise<T>): Promise<T>;
};

describe("PGlite: statements kept planned", () => {
  const pglite = new PGlite();
  const sent: string[] = [];
  // Records every statement text PGlite is handed, by either protocol, in transactions too.
  const spy = <T extends object>(client: T): T =>
    new Proxy(client, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as (...args: unknown[]) => unknown;
        if (prop === "query" || prop === "exec") return (q: string, ...rest: unknown[]) => (sent.push(q), value.call(target, q, ...rest));
        if (prop === "transaction") return (fn: (tx: object) => unknown) => value.call(target, (tx: object) => fn(spy(tx)));
        return typeof value === "function" && prop !== "constructor" ? value.bind(target) : value;
      },
    });
  const spied = spy(pglite);
  const client = withoutPerQueryParsers(spied) as unknown as Client;
  const db = drizzle(client as never) as unknown as DB;
  const byLabel = keepPlanned(
    db,
    "thing_by_label",
    db.select().from(things).where(eq(things.label, sql.placeholder("label"))).limit(1).prepare("thing_by_label"),
  );
  const text = byLabel.getQuery().sql;

  beforeAll(async () => {
    await pglite.waitReady;
    keepTextParsers(pglite);
    await pglite.exec("CREATE TABLE things (id integer primary key, label text not null); INSERT INTO things VALUES (1, 'abc-1'), (2, 'it''s'), (3, 'x')");
  });
  afterAll(() => pglite.close());

  it("a transaction does not prepare it: before the first use outside one, it runs the ordinary way", async () => {
    sent.length = 0;
    const rows = await client.transaction((tx) => tx.query(text, ["abc-1", 1], { rowMode: "array" }));
    expect(rows.rows).toEqual([[1, "abc-1"]]);
    expect(sent.some((q) => q.startsWith("PREPARE") || q.startsWith("EXECUTE"))).toBe(false);
    expect((await pglite.query("SELECT name FROM pg_prepared_statements")).rows).toEqual([]);
  });

  it("concurrent first uses share one PREPARE; then every use is an EXECUTE with the same rows", async () => {
    sent.length = 0;
    const results = await Promise.all(Array.from({ length: 10 }, () => byLabel.execute({ label: "abc-1" })));
    for (const r of results) expect(r).toEqual([{ id: 1, label: "abc-1" }]);
    expect(sent.filter((q) => q.startsWith("PREPARE thing_by_label AS "))).toHaveLength(1);
    expect(sent.filter((q) => q === "EXECUTE thing_by_label('abc-1', 1)")).toHaveLength(10);
    expect(sent).not.toContain(text);
    expect((await pglite.query("SELECT name FROM pg_prepared_statements")).rows).toEqual([{ name: "thing_by_label" }]);
  });

  it("a value that could leave its quotes is never written into SQL: it runs the ordinary way, bound", async () => {
    sent.length = 0;
    expect(await byLabel.execute({ label: "it's" })).toEqual([{ id: 2, label: "it's" }]);
    const hostile = "x'); DROP TABLE things; --";
    expect(await byLabel.execute({ label: hostile })).toEqual([]);
    expect(sent).toEqual([text, text]);
    expect((await pglite.query("SELECT count(*)::int AS n FROM things")).rows).toEqual([{ n: 3 }]);
  });

  it("the same statement kept planned again (Next builds it once per route bundle) is not prepared twice", async () => {
    const again = keepPlanned(
      db,
      "thing_by_label",
      db.select().from(things).where(eq(things.label, sql.placeholder("label"))).limit(1).prepare("thing_by_label"),
    );
    expect(again.getQuery().sql).toBe(text);
    sent.length = 0;
    expect(await again.execute({ label: "x" })).toEqual([{ id: 3, label: "x" }]);
    expect(sent).toEqual(["EXECUTE thing_by_label('x', 1)"]);
  });

  it("inside a transaction, a statement already prepared is run by EXECUTE", async () => {
    sent.length = 0;
    const rows = await client.transaction((tx) => tx.query(text, ["x", 1], { rowMode: "array" }));
    expect(rows.rows).toEqual([[3, "x"]]);
    expect(sent).toEqual(["EXECUTE thing_by_label('x', 1)"]);
  });
});

describe("the link lookup on the app's PGlite", () => {
  let handle: Handle;
  beforeAll(async () => {
    handle = await openPglite("memory://");
  });
  afterAll(() => handle.close());

  it("is prepared, and returns exactly what the same query returns unprepared", async () => {
    const { db } = handle;
    const created = await createInvitation(db, { email: "planned@example.com", role: "member", createdBy: null });
    if (!created.ok) throw new Error(created.reason);
    const secret = new URL(created.invitation.url).searchParams.get("token")!;
    const found = await findInvitationBySecret(db, secret);
    expect(found?.user.email).toBe("planned@example.com");
    const [plain] = await db
      .select({ invitation: invitations, user: users })
      .from(invitations)
      .innerJoin(users, eq(users.id, invitations.userId))
      .where(eq(invitations.id, found!.invitation.id));
    // The lookup reads only the columns the onboarding steps use (lib/onboarding.ts LINK_COLUMNS).
    const pick = <T extends object>(row: T, like: object) => Object.fromEntries(Object.keys(like).map((k) => [k, row[k as keyof T]]));
    expect(Object.keys(found!.invitation).sort()).toEqual(["expiresAt", "id", "isAccepted", "kind", "locale", "revokedAt", "tokenHash"]);
    expect(Object.keys(found!.user).sort()).toEqual(["disabledAt", "email", "id", "passwordHash", "role"]);
    expect(found).toEqual({ invitation: pick(plain.invitation, found!.invitation), user: pick(plain.user, found!.user) });
    expect(found!.invitation.expiresAt).toBeInstanceOf(Date);
    const client = (db as unknown as { $client: Client }).$client;
    expect((await client.query("SELECT name FROM pg_prepared_statements")).rows).toEqual([{ name: "find_invitations_by_secret" }]);
    expect(await findInvitationBySecret(db, secret.replace(/.$/, (c) => (c === "A" ? "B" : "A")))).toBeNull();
  });

  it("probes both tables by index: one link even right after they grew (no statistics yet), links asked for together once a big table has statistics", async () => {
    const { db } = handle;
    let last: Awaited<ReturnType<typeof createInvitation>> | undefined;
    for (let i = 0; i < 300; i++) last = await createInvitation(db, { email: `grown-${i}@example.com`, role: "member", createdBy: null });
    if (!last) throw new Error("nothing created");
    if (!last.ok) throw new Error(last.reason);
    const secret = new URL(last.invitation.url).searchParams.get("token")!;
    for (let i = 0; i < 8; i++) expect((await findInvitationBySecret(db, secret))?.user.email).toBe("grown-299@example.com");
    const client = (db as unknown as { $client: Client }).$client;
    const plan = async (hashes: string[]) =>
      (await client.query(`EXPLAIN EXECUTE find_invitations_by_secret('${hashes.join(",")}')`)).rows.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
    const single = await plan([sha256Hex(secret)]);
    expect(single).toMatch(/Index Scan using users_pkey on users/);
    expect(single).toMatch(/Index Scan using invitations_token_hash_unique on invitations/);
    expect(single).not.toMatch(/Seq Scan/);

    // Links asked for together (db/coalesce.ts) are one statement with their hashes comma-separated.
    // On a big table it probes the index once per hash; on a small one the planner may rightly read
    // the few pages instead. The app refreshes PGlite's statistics every 10 minutes (lib/startup.ts).
    await client.query(`INSERT INTO users (id, email, email_canonical, role) SELECT gen_random_uuid(), 'bulk-' || i || '@example.com', 'bulk-' || i || '@example.com', 'member' FROM generate_series(1, 3000) i`);
    await client.query(`INSERT INTO invitations (id, user_id, token_hash, email_canonical, role, expires_at) SELECT gen_random_uuid(), id, md5(email), email_canonical, 'member', now() + interval '1 day' FROM users WHERE email LIKE 'bulk-%'`);
    await client.query("ANALYZE");
    const batch = await plan(Array.from({ length: 8 }, (_, i) => sha256Hex(`${secret}${i}`)));
    expect(batch).toMatch(/Index Scan using users_pkey on users/);
    expect(batch).toMatch(/Index (Only )?Scan using invitations_token_hash_unique on invitations/);
    expect(batch).not.toMatch(/Seq Scan/);
  });
});
