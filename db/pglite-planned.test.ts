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
import { claimInvitation, findInvitationBySecret, issueOnboardingToken } from "../lib/onboarding";
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

  it("concurrent first uses share one PREPARE; then every use is an EXECUTE with the same rows", async () => {
    sent.length = 0;
    const results = await Promise.all(Array.from({ length: 10 }, () => byLabel.execute({ label: "abc-1" })));
    for (const r of results) expect(r).toEqual([{ id: 1, label: "abc-1" }]);
    expect(sent.filter((q) => q.startsWith("PREPARE thing_by_label AS "))).toHaveLength(1);
    expect(sent.filter((q) => q === "EXECUTE thing_by_label('abc-1', '1')")).toHaveLength(10);
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
    expect(sent).toEqual(["EXECUTE thing_by_label('x', '1')"]);
  });

  it("inside a transaction, a statement already prepared is run by EXECUTE", async () => {
    sent.length = 0;
    const rows = await client.transaction((tx) => tx.query(text, ["x", 1], { rowMode: "array" }));
    expect(rows.rows).toEqual([[3, "x"]]);
    expect(sent).toEqual(["EXECUTE thing_by_label('x', '1')"]);
  });

  it("a transaction's statement runs the ordinary way once, then is prepared (a rollback keeps it) and run by EXECUTE", async () => {
    const q = "SELECT $1::int + 1 AS n, $2::boolean AS b, $3::text AS t, $4::text AS s, $5::numeric AS x";
    const args = [41, true, null, "a b:c/d.$e$$ -- é", 0.5];
    const expected = [[42, true, null, "a b:c/d.$e$$ -- é", "0.5"]];
    sent.length = 0;
    const first = await client.transaction((tx) => tx.query(q, args, { rowMode: "array" }));
    expect(first.rows).toEqual(expected);
    expect(sent).toEqual([q]);
    sent.length = 0;
    await expect(
      client.transaction(async (tx) => {
        expect((await tx.query(q, args, { rowMode: "array" })).rows).toEqual(expected);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const [prepare, execute] = sent;
    expect(prepare).toMatch(new RegExp(`^PREPARE (tx_statement_\\d+) AS ${q.replace(/[$+()]/g, "\\$&")}$`));
    const name = /^PREPARE (\w+)/.exec(prepare)![1];
    // Each value as PGlite would send it bound (text, read by the parameter's type); null as NULL.
    expect(execute).toBe(`EXECUTE ${name}('41', 'true', NULL, 'a b:c/d.$e$$ -- é', '0.5')`);
    expect((await pglite.query("SELECT name FROM pg_prepared_statements WHERE name = $1", [name])).rows).toHaveLength(1);
    sent.length = 0;
    const third = await client.transaction((tx) => tx.query(q, [1, false, "it's", "back\\slash", 2], { rowMode: "array" }));
    // A quote or a backslash is never written into SQL: that use runs the ordinary way, bound.
    expect(third.rows).toEqual([[2, false, "it's", "back\\slash", "2"]]);
    expect(sent).toEqual([q]);
  });

  it("a transaction's statement that is not a query, has no parameters or has many, is never prepared", async () => {
    const many = `SELECT ${Array.from({ length: 33 }, (_, i) => `$${i + 1}::int`).join(" + ")} AS n`;
    sent.length = 0;
    for (let i = 0; i < 3; i++) {
      await client.transaction(async (tx) => {
        await tx.query("SET LOCAL statement_timeout = 5000");
        expect((await tx.query("SELECT 1 AS one", [], { rowMode: "array" })).rows).toEqual([[1]]);
        expect((await tx.query(many, Array.from({ length: 33 }, () => 1), { rowMode: "array" })).rows).toEqual([[33]]);
      });
    }
    expect(sent.filter((q) => /^(PREPARE|EXECUTE)/.test(q))).toEqual([]);
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
    expect((await client.query("SELECT name FROM pg_prepared_statements")).rows).toContainEqual({ name: "find_invitations_by_secret" });
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

describe("a claim's transaction on the app's PGlite", () => {
  let handle: Handle;
  beforeAll(async () => {
    handle = await openPglite("memory://");
  });
  afterAll(() => handle.close());

  it("runs its statements prepared once the first claim has run, each planned for its values: the user is found by index right after the table grew", async () => {
    const { db } = handle;
    const client = (db as unknown as { $client: Client }).$client;
    for (let i = 0; i < 8; i++) {
      const created = await createInvitation(db, { email: `claim-planned-${i}@example.com`, role: "member", createdBy: null });
      if (!created.ok) throw new Error(created.reason);
      const secret = new URL(created.invitation.url).searchParams.get("token")!;
      const issued = await issueOnboardingToken(db, secret);
      if (!issued.ok) throw new Error(issued.reason);
      const claimed = await claimInvitation(db, { secret, onboardingToken: issued.onboardingToken, password: "Lichen-Tambourine-Fjord-4471" });
      expect(claimed.ok).toBe(true);
    }
    const prepared = (await client.query("SELECT name, statement FROM pg_prepared_statements")).rows as { name: string; statement: string }[];
    const named = (pattern: RegExp) => prepared.find((p) => pattern.test(p.statement))?.name;
    // The lock, the reservation (the arbiter), the password, the session and the audit event.
    const lock = named(/^PREPARE \w+ AS select "id" from "users" where "users"."id" = \$1 for update$/);
    expect(lock).toBeDefined();
    expect(named(/^PREPARE \w+ AS update "invitations" set "is_accepted" = \$1/)).toBeDefined();
    expect(named(/^PREPARE \w+ AS update "users" set "password_hash" = \$1/)).toBeDefined();
    expect(named(/^PREPARE \w+ AS insert into "sessions"/)).toBeDefined();
    expect(named(/INSERT INTO audit_events/)).toBeDefined();

    // Eight uses on a table of one page, then it grows, with no ANALYZE since: a generic plan made
    // on the small table would still read all of it (plan_cache_mode, set by openPglite).
    await client.query(`INSERT INTO users (id, email, email_canonical, role) SELECT gen_random_uuid(), 'many-' || i || '@example.com', 'many-' || i || '@example.com', 'member' FROM generate_series(1, 20000) i`);
    const [{ id }] = (await client.query("SELECT id FROM users WHERE email = 'claim-planned-7@example.com'")).rows as { id: string }[];
    const plan = (await client.query(`EXPLAIN EXECUTE ${lock}('${id}')`)).rows.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
    expect(plan).toMatch(/Index Scan using users_pkey on users/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
