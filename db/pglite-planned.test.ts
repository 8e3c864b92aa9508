// db/index.ts keepPlanned: on PGlite the link lookup and a claim's statements are PREPAREd once and
// run by EXECUTE, with their arguments written as literals, and only values that cannot leave their
// quotes are. These tests check that it is really prepared, that drizzle gets exactly the rows the
// ordinary query gives, that any other value still runs (the ordinary way, bound), that concurrent
// first uses share one PREPARE, that a transaction prepares on its own connection (the plan outliving
// a rollback) and never waits for a PREPARE queued behind it.
import { PGlite } from "@electric-sql/pglite";
import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { boolean, integer, jsonb, pgTable, text as textColumn } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInvitation } from "../lib/invitations";
import { sha256Hex } from "../lib/auth/tokens";
import { verifyPassword } from "../lib/auth/password";
import { analyzeGrownTables } from "../lib/housekeeping";
import { claimInvitation, findInvitationBySecret, issueOnboardingToken } from "../lib/onboarding";
import { auditEvents, invitations, sessions, users } from "./schema";
import { keepPlanned, keepTextParsers, openPglite, withoutPerQueryParsers, type DB, type Handle } from "./index";

const things = pgTable("things", { id: integer("id").primaryKey(), label: textColumn("label").notNull() });

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

  it("a transaction that uses a statement first prepares it on its own connection, and the plan outlives a rollback", async () => {
    const byId = keepPlanned(db, "thing_by_id", db.select().from(things).where(eq(things.id, sql.placeholder("id"))).prepare("thing_by_id"));
    const idText = byId.getQuery().sql;
    sent.length = 0;
    await expect(
      client.transaction(async (tx) => {
        expect((await tx.query(idText, [1], { rowMode: "array" })).rows).toEqual([[1, "abc-1"]]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(sent).toEqual(["PREPARE thing_by_id AS " + idText, "EXECUTE thing_by_id(1)"]);
    sent.length = 0;
    expect(await byId.execute({ id: 3 })).toEqual([{ id: 3, label: "x" }]);
    expect(sent).toEqual(["EXECUTE thing_by_id(3)"]);
  });

  it("a transaction never waits for a PREPARE queued behind it: it runs the statement the ordinary way", { timeout: 5_000 }, async () => {
    const byIdLabel = keepPlanned(
      db,
      "thing_by_id_label",
      db.select().from(things).where(and(eq(things.id, sql.placeholder("id")), eq(things.label, sql.placeholder("label")))).prepare("thing_by_id_label"),
    );
    const pairText = byIdLabel.getQuery().sql;
    sent.length = 0;
    let outside: Promise<unknown> | undefined;
    const inside = await client.transaction(async (tx) => {
      // A use outside the transaction: its PREPARE waits for the transaction to end.
      outside = byIdLabel.execute({ id: 1, label: "abc-1" });
      await new Promise((r) => setTimeout(r, 10));
      return (await tx.query(pairText, [3, "x"], { rowMode: "array" })).rows;
    });
    expect(inside).toEqual([[3, "x"]]);
    expect(await outside).toEqual([{ id: 1, label: "abc-1" }]);
    // In the order they were sent: the PREPARE first (it ran once the transaction was over).
    expect(sent).toEqual(["PREPARE thing_by_id_label AS " + pairText, pairText, "EXECUTE thing_by_id_label(1, 'abc-1')"]);
  });

  it("null, booleans and the text of hashes, times, addresses, user agents and small JSON are written as literals; a quote or a backslash never", async () => {
    await pglite.exec("CREATE TABLE echoes (n integer, b boolean, t text, j jsonb)");
    const echoes = pgTable("echoes", { n: integer("n"), b: boolean("b"), t: textColumn("t"), j: jsonb("j") });
    const insert = (values: { n: number | null; b: boolean; t: string; j: unknown }) => keepPlanned(db, "insert_echo", db.insert(echoes).values(values).returning());
    const planned = [
      "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
      "2026-12-07T22:10:44.123Z",
      "::ffff:127.0.0.1",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
      "a+b=c@example.com",
    ];
    for (const t of planned) {
      sent.length = 0;
      const row = { n: null, b: false, t, j: { kind: "invite", n: 1 } };
      expect(await insert(row)).toEqual([row]);
      expect(sent).toHaveLength(sent[0]?.startsWith("PREPARE") ? 2 : 1);
      expect(sent.at(-1)).toBe(`EXECUTE insert_echo(NULL, false, '${t}', '{"kind":"invite","n":1}')`);
    }
    for (const t of ["it's", "back\\slash", "tab\there", "é"]) {
      sent.length = 0;
      const row = { n: 1, b: true, t, j: { t } };
      expect(await insert(row)).toEqual([row]);
      expect(sent.some((q) => q.startsWith("EXECUTE"))).toBe(false);
    }
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

describe("a claim's transaction on the app's PGlite", () => {
  let handle: Handle;
  beforeAll(async () => {
    handle = await openPglite("memory://");
  });
  afterAll(() => handle.close());

  const userAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";
  /** Invites `email`, takes the link's JWT and claims it; `again` claims the same link once more. */
  const claim = async (email: string) => {
    const { db } = handle;
    const created = await createInvitation(db, { email, role: "member", createdBy: null });
    if (!created.ok) throw new Error(created.reason);
    const secret = new URL(created.invitation.url).searchParams.get("token")!;
    const issued = await issueOnboardingToken(db, secret);
    if (!issued.ok) throw new Error(issued.reason);
    const input = { onboardingToken: issued.onboardingToken, secret, password: "Juniper-Lantern-Orbit-82", ip: "::ffff:127.0.0.1", userAgent };
    return { result: await claimInvitation(db, input), again: () => claimInvitation(db, input), id: created.invitation.id };
  };

  it("a claim runs its transaction's statements planned, with the same outcome: link used, password set, one session, one audit event", async () => {
    const { db } = handle;
    const client = (db as unknown as { $client: Client }).$client;
    const first = await claim("claimed-planned-1@example.com");
    const second = await claim("claimed-planned-2@example.com");
    for (const { result } of [first, second]) expect(result.ok).toBe(true);
    const names = (await client.query("SELECT name FROM pg_prepared_statements")).rows.map((r) => (r as { name: string }).name);
    expect(names).toEqual(expect.arrayContaining(["claim_lock_user", "claim_reserve", "claim_set_password", "insert_session", "insert_audit_event"]));

    // The second claim ran every statement by EXECUTE: its rows are what the ordinary statements write.
    if (!second.result.ok) throw new Error("unreachable");
    const userId = second.result.user.id;
    const [invitation] = await db.select().from(invitations).where(eq(invitations.id, second.id));
    expect(invitation.isAccepted).toBe(true);
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    expect(await verifyPassword("Juniper-Lantern-Orbit-82", user.passwordHash!)).toBe(true);
    const rows = await db.select().from(sessions).where(eq(sessions.userId, userId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tokenHash: sha256Hex(second.result.session.token), ip: "::ffff:127.0.0.1", userAgent: "Chrome on Linux" });
    expect(Math.abs(rows[0].expiresAt.getTime() - second.result.session.expiresAt.getTime())).toBeLessThan(1000);
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.invitationId, second.id), eq(auditEvents.action, "invitation.claimed")));
    expect(events.map((e) => [e.action, e.actorEmail, e.ip, e.userAgent, e.details])).toEqual([
      ["invitation.claimed", "claimed-planned-2@example.com", "::ffff:127.0.0.1", userAgent, { kind: "invite" }],
    ]);

    // The planned reservation is still the arbiter: the same link again writes nothing.
    expect(await second.again()).toEqual({ ok: false, reason: "invitation_already_used" });
    expect(await db.select().from(sessions).where(eq(sessions.userId, userId))).toHaveLength(1);
  });

  it("a table that grew gets new statistics within a minute, and a claim's kept plan probes by index again", async () => {
    const { db } = handle;
    const client = (db as unknown as { $client: Client }).$client;
    // Past its fifth run, Postgres keeps a statement's generic plan, made here on a one-page table.
    for (let i = 0; i < 6; i++) expect((await claim(`grow-${i}@example.com`)).result.ok).toBe(true);
    expect(await analyzeGrownTables(db)).toEqual([]);
    await client.query(
      `INSERT INTO users (id, email, email_canonical, role) SELECT gen_random_uuid(), 'many-' || i || '@example.com', 'many-' || i || '@example.com', 'member' FROM generate_series(1, 20000) i`,
    );
    const plan = async () =>
      (await client.query("EXPLAIN EXECUTE claim_lock_user('00000000-0000-4000-8000-000000000000')")).rows.map((r) => (r as Record<string, string>)["QUERY PLAN"]).join("\n");
    // The plan kept from when the table was a page: every user row read, until new statistics.
    expect(await plan()).toMatch(/Seq Scan on users/);
    expect(await analyzeGrownTables(db)).toContain("users");
    expect(await plan()).toMatch(/Index Scan using users_pkey on users/);
    expect(await analyzeGrownTables(db)).toEqual([]);
  });
});
