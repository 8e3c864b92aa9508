import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb, type DB } from "@/db";
import { auditEvents } from "@/db/schema";
import { AUDIT_CSV_COLUMNS, auditEventBatches, EXPORT_BATCH_SIZE } from "@/lib/audit-log";
import { csvCell, csvRow } from "@/lib/csv";
import { body, createUserWithSession, request } from "@/lib/testing/api";
import { GET } from "./route";

type ErrorBody = { error: { code: string; message: string } };

afterEach(() => {
  vi.restoreAllMocks();
});

/** RFC 4180 reader (quoted fields may hold commas, doubled quotes, CR and LF; records end in CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i++;
      } else {
        field += c;
        i++;
      }
    } else if (c === '"') {
      if (field !== "") throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      i++;
    } else if (c === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 2;
    } else if (c === "\r" || c === "\n") {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new Error("unterminated quoted field");
  if (field !== "" || record.length) throw new Error("last record not terminated by CRLF");
  return records;
}

/**
 * `n` events in ONE statement (they share created_at), all with actor `actorId`. Seeding, not a
 * request: without the pool's statement timeout (100,000 rows passed 5 s on a loaded machine).
 */
async function insertMany(n: number, actorId: string) {
  const db = await getDb();
  await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL statement_timeout = 0`);
    await tx.execute(sql`
      INSERT INTO audit_events (action, actor_user_id, actor_email, details)
      SELECT 'user.login', ${actorId}::uuid, 'bulk@example.com', jsonb_build_object('n', i)
      FROM generate_series(1, ${n}) AS i`);
  });
}

function exportRequest(query: string, cookie?: string) {
  return GET(request(`/api/audit/export${query}`, { cookie, headers: { "user-agent": "export-test/1" } }));
}

describe("lib/csv.ts", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["crlf\r\ninside", '"crlf\r\ninside"'],
    ["", ""],
    ["ünïcödé ΟΔΟΣ", "ünïcödé ΟΔΟΣ"],
  ])("RFC 4180 quoting: %j → %j", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it.each([
    ["=1+1", "'=1+1"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["\rcmd", "\"'\rcmd\""],
    ['=HYPERLINK("http://evil","x")', `"'=HYPERLINK(""http://evil"",""x"")"`],
  ])("formula injection: %j → %j", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it("leaves a formula character later in the cell alone, empties null and undefined, ends records in CRLF", () => {
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvRow(["a", null, "b,c"])).toBe('a,,"b,c"\r\n');
  });
});

describe("auditEventBatches", () => {
  it("reads 2,500 matching rows in 3 queries of at most 1,000 (1,000 + 1,000 + 500), each row once, outside any transaction", async () => {
    expect(EXPORT_BATCH_SIZE).toBe(1000);
    const db = await getDb();
    const actor = randomUUID();
    await insertMany(2500, actor);
    const select = vi.spyOn(db, "select");
    const transaction = vi.spyOn(db, "transaction");
    const sizes: number[] = [];
    const queriesWhenYielded: number[] = [];
    const ids = new Set<string>();
    for await (const batch of auditEventBatches(db, { actor: { id: actor } })) {
      sizes.push(batch.length);
      queriesWhenYielded.push(select.mock.calls.length);
      for (const row of batch) ids.add(row.id);
    }
    expect(sizes).toEqual([1000, 1000, 500]);
    // One query per batch, issued only when the consumer asks for that batch.
    expect(queriesWhenYielded).toEqual([1, 2, 3]);
    expect(select).toHaveBeenCalledTimes(3);
    expect(transaction).not.toHaveBeenCalled();
    expect(ids.size).toBe(2500);
  });

  it("stops after one empty query when the rows fill the last batch exactly, and asks for no more than 1,000 however called", async () => {
    const db = await getDb();
    const actor = randomUUID();
    await insertMany(20, actor);
    const select = vi.spyOn(db, "select");
    const sizes: number[] = [];
    for await (const batch of auditEventBatches(db, { actor: { id: actor } }, { batchSize: 10 })) sizes.push(batch.length);
    expect(sizes).toEqual([10, 10]);
    expect(select).toHaveBeenCalledTimes(3);
    const huge: number[] = [];
    for await (const batch of auditEventBatches(db, { actor: { id: actor } }, { batchSize: 1_000_000 })) huge.push(batch.length);
    expect(huge).toEqual([20]);
  });
});

describe("GET /api/audit/export", () => {
  it("401 unauthorized without a session, 403 forbidden for a member; nothing recorded", async () => {
    const anon = await exportRequest("");
    expect(anon.status).toBe(401);
    expect((await body<ErrorBody>(anon)).error.code).toBe("unauthorized");
    const member = await createUserWithSession("member");
    const res = await exportRequest("", member.cookie);
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
    const db = await getDb();
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "audit.exported"), eq(auditEvents.actorUserId, member.user.id)));
    expect(events).toEqual([]);
  });

  it.each(["action=bogus", "actor=nobody", "from=soon", "limit=10", "cursor=abc", "x=1"])("?%s → 400 invalid_request, no event", async (query) => {
    const admin = await createUserWithSession("admin");
    const res = await exportRequest(`?${query}`, admin.cookie);
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
    const db = await getDb();
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "audit.exported"), eq(auditEvents.actorUserId, admin.user.id)));
    expect(events).toEqual([]);
  });

  it("streams 2,500 rows as CSV one batch per read, each row exactly once, and records the export with its filters", async () => {
    const admin = await createUserWithSession("admin");
    const actor = randomUUID();
    await insertMany(2500, actor);
    const db = await getDb();
    const res = await exportRequest(`?actor=${actor}&action=user.`, admin.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="audit-events-\d{8}T\d{6}Z\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");

    // From here on every select is a batch query: count how far ahead of the reader they run.
    const select = vi.spyOn(db, "select");
    const transaction = vi.spyOn(db, "transaction");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let reads = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads++;
      text += decoder.decode(value, { stream: true });
      // Never more than one batch beyond what has been read.
      expect(select.mock.calls.length).toBeLessThanOrEqual(reads);
    }
    expect(select).toHaveBeenCalledTimes(3);
    expect(transaction).not.toHaveBeenCalled();
    expect(reads).toBe(4); // header + 3 batches

    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows).toHaveLength(2500);
    const ns = rows.map((r) => (JSON.parse(r[9]) as { n: number }).n);
    expect(new Set(ns).size).toBe(2500);
    expect(Math.min(...ns)).toBe(1);
    expect(Math.max(...ns)).toBe(2500);
    for (const r of rows) {
      expect(r[1]).toBe("user.login");
      expect(r[2]).toBe("bulk@example.com");
      expect(r[3]).toBe(actor);
    }

    const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.action, "audit.exported"), eq(auditEvents.actorUserId, admin.user.id)));
    expect(event).toMatchObject({
      actorEmail: admin.user.email,
      userAgent: "export-test/1",
      details: { filters: { actor, action: "user." }, export_id: expect.any(String) },
    });
  });

  it("quotes per RFC 4180 and neutralizes formulas in every column an event carries from outside", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const actor = randomUUID();
    const nasty = ["=cmd|' /C calc'!A0", "+1", "-2+3", "@SUM(1)", "\tTAB", "\rCR", 'a,"b"\r\nc'];
    await db.insert(auditEvents).values(
      nasty.map((value, i) => ({
        action: "user.login_failed",
        actorUserId: actor,
        actorEmail: value,
        targetEmail: value,
        ip: value,
        userAgent: value,
        details: { value },
        createdAt: new Date(Date.UTC(2022, 0, 1, 0, 0, i)),
      })),
    );
    const res = await exportRequest(`?actor=${actor}`, admin.cookie);
    const [, ...rows] = parseCsv(await res.text());
    expect(rows).toHaveLength(nasty.length);
    const expected = [...nasty].reverse(); // newest first
    rows.forEach((r, i) => {
      const value = expected[i];
      const shown = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      expect(r[0]).toMatch(/^2022-01-01T00:00:0\dZ$|^2022-01-01T00:00:0\d\.\d{6}Z$/);
      expect(r[2]).toBe(shown); // actor_email
      expect(r[4]).toBe(shown); // target_email
      expect(r[7]).toBe(shown); // ip
      expect(r[8]).toBe(shown); // user_agent
      expect(JSON.parse(r[9])).toEqual({ value }); // details start with "{": nothing to neutralize
      for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    });
  });

  it("applies the filters (action prefix, target email, from/to) and leaves out its own event and later ones", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const actor = randomUUID();
    const targetEmail = `T-${randomUUID().slice(0, 8)}@Example.com`;
    await db.insert(auditEvents).values([
      { action: "invitation.created", actorUserId: actor, targetEmail, createdAt: new Date("2023-05-01T00:00:00Z") },
      { action: "invitation.revoked", actorUserId: actor, targetEmail, createdAt: new Date("2023-05-02T00:00:00Z") },
      { action: "user.disabled", actorUserId: actor, targetEmail, createdAt: new Date("2023-05-03T00:00:00Z") },
      { action: "invitation.created", actorUserId: actor, targetEmail: "other@example.com", createdAt: new Date("2023-05-04T00:00:00Z") },
    ]);
    const csv = async (q: string) => parseCsv(await (await exportRequest(q, admin.cookie)).text()).slice(1).map((r) => r[1]);
    expect(await csv(`?actor=${actor}&action=invitation.`)).toEqual(["invitation.created", "invitation.revoked", "invitation.created"]);
    expect(await csv(`?target=${encodeURIComponent(targetEmail.toUpperCase())}`)).toEqual(["user.disabled", "invitation.revoked", "invitation.created"]);
    expect(await csv(`?actor=${actor}&from=2023-05-02&to=2023-05-03T00:00:00Z`)).toEqual(["invitation.revoked"]);
    expect(await csv(`?actor=${actor}&from=2030-01-01`)).toEqual([]);
    // The admin's own exports: the CSV holds the ones before this export, never this one.
    const own = await csv(`?actor=${admin.user.id}&action=audit.exported`);
    expect(own).toHaveLength(4);
    expect(own.every((a) => a === "audit.exported")).toBe(true);
  });

  it("exports 100,000 rows in 100 queries of 1,000, each row exactly once, never holding more than one batch", async () => {
    const admin = await createUserWithSession("admin");
    const actor = randomUUID();
    await insertMany(100_000, actor);
    const db = await getDb();
    // Statistics as autovacuum leaves them on Postgres. PGlite has no autovacuum: with the stats of
    // an almost empty table the planner takes a bitmap scan and sorts every remaining row of the
    // actor for each batch (25 s here instead of 4; reported).
    await db.execute(sql`ANALYZE audit_events`);
    const res = await exportRequest(`?actor=${actor}`, admin.cookie);
    const select = vi.spyOn(db, "select");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let reads = 0;
    let rows = 0;
    let biggest = 0;
    let sum = 0;
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads++;
      expect(select.mock.calls.length).toBeLessThanOrEqual(reads);
      // Count records without keeping the text: each row here ends in "}\r\n" (its details).
      const chunk = rest + decoder.decode(value, { stream: true });
      const lines = chunk.split("\r\n");
      rest = lines.pop() ?? "";
      if (reads === 1) continue; // the header
      biggest = Math.max(biggest, lines.length);
      rows += lines.length;
      for (const line of lines) sum += (JSON.parse(line.slice(line.indexOf('"{')).slice(1, -1).replace(/""/g, '"')) as { n: number }).n;
    }
    expect(rest).toBe("");
    expect(rows).toBe(100_000);
    expect(biggest).toBe(1000);
    // Every n from 1 to 100,000 exactly once has this sum (with the count above).
    expect(sum).toBe((100_000 * 100_001) / 2);
    expect(select).toHaveBeenCalledTimes(101); // 100 full batches and one empty
  }, 180_000);

  it("an empty export is the header line alone", async () => {
    const admin = await createUserWithSession("admin");
    const res = await exportRequest(`?actor=${randomUUID()}`, admin.cookie);
    expect(await res.text()).toBe(`${AUDIT_CSV_COLUMNS.join(",")}\r\n`);
  });

  it("a reader that stops early cancels the stream: no further batch query", async () => {
    const admin = await createUserWithSession("admin");
    const actor = randomUUID();
    await insertMany(2100, actor);
    const db: DB = await getDb();
    const res = await exportRequest(`?actor=${actor}`, admin.cookie);
    const select = vi.spyOn(db, "select");
    const reader = res.body!.getReader();
    await reader.read(); // header
    await reader.read(); // first batch
    await reader.cancel();
    const after = select.mock.calls.length;
    expect(after).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(select.mock.calls.length).toBe(after);
  });
});
