import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents } from "@/db/schema";
import { audit } from "@/lib/audit";
import { AUDIT_ACTIONS, rowsQuery, type AuditFilters } from "@/lib/audit-log";
import { encodeCursor } from "@/lib/keyset";
import { body, createUserWithSession, request } from "@/lib/testing/api";
import { GET } from "./route";

type View = {
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
type ListBody = { events: View[]; next_cursor: string | null };
type ErrorBody = { error: { code: string; message: string } };

async function list(query: string, cookie: string) {
  const res = await GET(request(`/api/audit${query}`, { cookie }));
  return res;
}

async function listOk(query: string, cookie: string): Promise<ListBody> {
  const res = await list(query, cookie);
  expect(res.status, await res.clone().text()).toBe(200);
  return body<ListBody>(res);
}

/** `n` events in ONE statement (they share created_at), all with actor `actorId`. */
async function insertMany(n: number, actorId: string, action = "user.login") {
  const db = await getDb();
  await db.execute(sql`
    INSERT INTO audit_events (action, actor_user_id, actor_email, details)
    SELECT ${action}, ${actorId}::uuid, 'bulk@example.com', jsonb_build_object('n', i)
    FROM generate_series(1, ${n}) AS i`);
}

describe("GET /api/audit: who may call it", () => {
  it("401 unauthorized without a session, 403 forbidden for a member", async () => {
    const anon = await GET(request("/api/audit"));
    expect(anon.status).toBe(401);
    expect((await body<ErrorBody>(anon)).error.code).toBe("unauthorized");
    const member = await createUserWithSession("member");
    const res = await GET(request("/api/audit", { cookie: member.cookie }));
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
  });
});

describe("GET /api/audit: the answer", () => {
  it("gives each event's actor and target as {id, email}, the exact time, and no-store", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const db = await getDb();
    const invitationId = randomUUID();
    await audit(db, {
      action: "user.role_changed",
      actorUserId: admin.user.id,
      targetUserId: member.user.id,
      invitationId,
      ip: "192.0.2.7",
      userAgent: "Agent/1.0",
      details: { from: "member", to: "admin" },
    });
    await audit(db, { action: "admin.bootstrapped", targetUserId: member.user.id, invitationId: randomUUID() });
    const res = await list(`?actor=${admin.user.id}&limit=1`, admin.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const page = await body<ListBody>(res);
    expect(page.events).toHaveLength(1);
    const [event] = page.events;
    expect(event).toEqual({
      id: expect.any(String),
      action: "user.role_changed",
      actor: { id: admin.user.id, email: admin.user.email },
      target: { id: member.user.id, email: member.user.email },
      invitation_id: invitationId,
      ip: "192.0.2.7",
      user_agent: "Agent/1.0",
      details: { from: "member", to: "admin" },
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
    });
    expect(Object.keys(page).sort()).toEqual(["events", "next_cursor"]);
    // No actor → null, not {id: null, email: null}.
    const bootstrap = await listOk(`?target=${member.user.id}&action=admin.bootstrapped`, admin.cookie);
    expect(bootstrap.events).toHaveLength(1);
    expect(bootstrap.events[0].actor).toBeNull();
  });

  it("pages through 250 events written by one statement, each exactly once, newest first; default limit 50", async () => {
    const admin = await createUserWithSession("admin");
    const actor = randomUUID();
    await insertMany(250, actor);
    const first = await listOk(`?actor=${actor}`, admin.cookie);
    expect(first.events).toHaveLength(50);

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `?actor=${actor}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const page = await listOk(q, admin.cookie);
      sizes.push(page.events.length);
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
      if (pages === 0) {
        // Written after the first page: newer than the cursor, so it neither shifts nor repeats a row.
        await insertMany(3, actor);
      }
      pages++;
    } while (cursor && pages < 10);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(seen).size).toBe(250);
    // One statement: one created_at; the id breaks the tie, descending.
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it("keeps paging with the rows of one statement straddling a page boundary", async () => {
    const admin = await createUserWithSession("admin");
    const actor = randomUUID();
    const db = await getDb();
    await insertMany(7, actor, "user.logout");
    await db.insert(auditEvents).values({ action: "user.login", actorUserId: actor, createdAt: new Date("2020-01-01T00:00:00Z") });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ListBody = await listOk(`?actor=${actor}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, admin.cookie);
      ids.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
  });
});

describe("GET /api/audit: filters", () => {
  it("action (exact or a prefix ending in '.'), actor and target (id or email, any case), from (inclusive) and to (exclusive)", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const actor = randomUUID();
    const target = randomUUID();
    const tag = randomUUID().slice(0, 8);
    const actorEmail = `Actor-${tag}@Example.com`;
    const targetEmail = `Target-${tag}@Example.com`;
    const at = (iso: string) => new Date(iso);
    await db.insert(auditEvents).values([
      { action: "invitation.created", actorUserId: actor, actorEmail, targetUserId: target, targetEmail, createdAt: at("2021-03-01T10:00:00Z") },
      { action: "invitation.revoked", actorUserId: actor, actorEmail, targetUserId: target, targetEmail, createdAt: at("2021-03-02T10:00:00Z") },
      { action: "user.login", actorUserId: actor, actorEmail, createdAt: at("2021-03-03T10:00:00Z") },
      { action: "user.login", actorUserId: target, actorEmail: targetEmail, createdAt: at("2021-03-04T10:00:00Z") },
    ]);
    const actions = async (q: string) => (await listOk(q, admin.cookie)).events.map((e) => `${e.action}@${e.created_at.slice(0, 10)}`);

    expect(await actions(`?actor=${actor}`)).toEqual(["user.login@2021-03-03", "invitation.revoked@2021-03-02", "invitation.created@2021-03-01"]);
    expect(await actions(`?actor=${actor.toUpperCase()}`)).toHaveLength(3);
    expect(await actions(`?actor=${encodeURIComponent(actorEmail.toLowerCase())}`)).toHaveLength(3);
    expect(await actions(`?actor=${encodeURIComponent(actorEmail.toUpperCase())}&action=user.login`)).toEqual(["user.login@2021-03-03"]);
    expect(await actions(`?actor=${actor}&action=invitation.`)).toEqual(["invitation.revoked@2021-03-02", "invitation.created@2021-03-01"]);
    expect(await actions(`?actor=${actor}&action=invitation.revoked`)).toEqual(["invitation.revoked@2021-03-02"]);
    expect(await actions(`?target=${target}`)).toEqual(["invitation.revoked@2021-03-02", "invitation.created@2021-03-01"]);
    expect(await actions(`?target=${encodeURIComponent(targetEmail.toLowerCase())}`)).toHaveLength(2);
    expect(await actions(`?actor=${target}`)).toEqual(["user.login@2021-03-04"]);
    // from inclusive, to exclusive, to the microsecond.
    expect(await actions(`?actor=${actor}&from=2021-03-02T10:00:00Z&to=2021-03-03T10:00:00Z`)).toEqual(["invitation.revoked@2021-03-02"]);
    expect(await actions(`?actor=${actor}&from=2021-03-02T10:00:00.000001Z`)).toEqual(["user.login@2021-03-03"]);
    expect(await actions(`?actor=${actor}&from=2021-03-02T11:00:00%2B01:00&to=2021-03-03`)).toEqual(["invitation.revoked@2021-03-02"]);
    expect(await actions(`?actor=${actor}&to=2021-03-01T10:00:00Z`)).toEqual([]);
    expect(await actions(`?actor=${actor}&from=2021-03-02&to=2021-03-02`)).toEqual([]);
  });

  it("an address finds its account's events by canonical form (ΟΔΟΣ finds οδος), and a deleted account's by the recorded address", async () => {
    const admin = await createUserWithSession("admin");
    const tag = randomUUID().slice(0, 8);
    const greek = await createUserWithSession("member", `οδος-${tag}@example.com`);
    const db = await getDb();
    await audit(db, { action: "user.login", actorUserId: greek.user.id, targetUserId: greek.user.id });
    // lower('ΟΔΟΣ') is 'οδοσ', not 'οδος': only the canonical comparison finds these.
    const upper = encodeURIComponent(`ΟΔΟΣ-${tag}@EXAMPLE.COM`);
    expect((await listOk(`?actor=${upper}`, admin.cookie)).events.map((e) => e.actor?.id)).toEqual([greek.user.id]);
    expect((await listOk(`?target=${upper}`, admin.cookie)).events).toHaveLength(1);
    const gone = randomUUID();
    await db.insert(auditEvents).values({ action: "user.deleted", actorUserId: admin.user.id, targetUserId: gone, targetEmail: `Gone-${tag}@Example.com` });
    const deleted = await listOk(`?target=${encodeURIComponent(`gone-${tag}@example.COM`)}`, admin.cookie);
    expect(deleted.events.map((e) => e.target)).toEqual([{ id: gone, email: `Gone-${tag}@Example.com` }]);
  });

  it("every known action is accepted as a filter", async () => {
    const admin = await createUserWithSession("admin");
    for (const action of AUDIT_ACTIONS) {
      const res = await list(`?action=${action}&limit=1`, admin.cookie);
      expect(res.status, action).toBe(200);
    }
  });

  it.each([
    ["action=bogus", "action"],
    ["action=invitation", "action"],
    ["action=nothing.", "action"],
    ["actor=someone", "actor"],
    ["target=12345", "target"],
    ["from=yesterday", "from"],
    ["from=2026-02-30", "from"],
    ["to=2026-02-30T00:00:00Z", "to"],
    ["to=2026-11-29T21:14", "to"],
    ["from=0000-01-01T00:00:00Z", "from"],
    ["from=2026-01-01T00:00:00%2B23:00", "from"],
    ["from=2026-01-02&to=2026-01-01", "from"],
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["limit=1.5", "limit"],
    ["limit=-1", "limit"],
    ["cursor=garbage", "cursor"],
    ["offset=10", "offset"],
    ["action=user.login&action=user.logout", "action"],
  ])("?%s → 400 invalid_request naming %s", async (query, name) => {
    const admin = await createUserWithSession("admin");
    const res = await list(`?${query}`, admin.cookie);
    expect(res.status).toBe(400);
    const { error } = await body<ErrorBody>(res);
    expect(error.code).toBe("invalid_request");
    expect(error.message).toContain(name);
  });

  it("refuses another list's cursor and an edited one", async () => {
    const admin = await createUserWithSession("admin");
    const position = { createdAt: "2026-01-01T00:00:00.000000Z", id: randomUUID() };
    for (const cursor of [encodeCursor("users", position), `${encodeCursor("audit", position)}x`]) {
      const res = await list(`?cursor=${encodeURIComponent(cursor)}`, admin.cookie);
      expect(res.status).toBe(400);
    }
    const ok = await list(`?cursor=${encodeURIComponent(encodeCursor("audit", position))}`, admin.cookie);
    expect(ok.status).toBe(200);
  });
});

describe("the list and export queries walk an index in order", () => {
  // With sorting priced out, a plan still holding a Sort node means no index gives the order, and
  // each page (or export batch) would read and sort every matching row (the NULLS FIRST/LAST
  // mismatch between drizzle's desc() and the indexes did exactly that: 100 export batches of an
  // actor with 100,000 events took 34 s instead of about 1).
  const after = { createdAt: "2030-01-01T00:00:00.000000Z", id: "ffffffff-ffff-4fff-bfff-ffffffffffff" };
  it.each<[string, AuditFilters]>([
    ["no filter", {}],
    ["one action", { actions: ["user.login"] }],
    ["an action prefix", { actions: ["invitation.created", "invitation.revoked"] }],
    ["actor id", { actor: { id: randomUUID() } }],
    ["target id", { target: { id: randomUUID() } }],
    ["actor email", { actor: { email: "A@example.com", canonical: "a@example.com" } }],
    ["from and to", { from: "2021-01-01T00:00:00Z", to: "2022-01-01T00:00:00Z" }],
  ])("%s: no Sort node", async (_name, filters) => {
    const db = await getDb();
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_sort = off`);
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const result = await tx.execute(sql`EXPLAIN ${rowsQuery(tx as unknown as typeof db, filters, after, 101)}`);
      return (result as unknown as { rows: Record<string, string>[] }).rows.map((r) => Object.values(r)[0]).join("\n");
    });
    expect(plan).toMatch(/Index/);
    expect(plan).not.toMatch(/Sort/);
  });
});
