import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { closeDb, getDb } from "../db";
import { rateLimits } from "../db/schema";
import { sha256Hex } from "./auth/tokens";
import { hit, hitAll, LIMITS, type Limit } from "./rate-limit";

const subject = (label = "s") => `${label}-${randomUUID()}`;
const limit = (max: number, windowSeconds = 600): Limit => ({ name: `test:${randomUUID().slice(0, 8)}`, max, windowSeconds });

const savedRateLimits = process.env.RATE_LIMITS;
afterEach(() => {
  if (savedRateLimits === undefined) delete process.env.RATE_LIMITS;
  else process.env.RATE_LIMITS = savedRateLimits;
});

describe("hit", () => {
  it("allows max hits, then refuses with a Retry-After of at least 1 second", async () => {
    const db = await getDb();
    const l = limit(3, 600);
    const s = subject();
    for (let i = 0; i < 3; i++) expect(await hit(db, l, s)).toEqual({ ok: true });
    const over = await hit(db, l, s);
    expect(over.ok).toBe(false);
    if (over.ok) return;
    expect(over.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(over.retryAfterSeconds).toBeLessThanOrEqual(600);
    expect(over.retryAfterSeconds).toBeGreaterThan(590);
    // Stays refused.
    expect((await hit(db, l, s)).ok).toBe(false);
  });

  it("keeps subjects independent, and limits independent for one subject", async () => {
    const db = await getDb();
    const l = limit(1);
    const a = subject("a");
    const b = subject("b");
    expect((await hit(db, l, a)).ok).toBe(true);
    expect((await hit(db, l, a)).ok).toBe(false);
    expect((await hit(db, l, b)).ok).toBe(true);
    const other = limit(1);
    expect((await hit(db, other, a)).ok).toBe(true);
  });

  it("resets the count when the window expires", async () => {
    const db = await getDb();
    const l = limit(1, 1);
    const s = subject();
    expect((await hit(db, l, s)).ok).toBe(true);
    const over = await hit(db, l, s);
    expect(over).toEqual({ ok: false, retryAfterSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await hit(db, l, s)).ok).toBe(true);
    expect((await hit(db, l, s)).ok).toBe(false);
  });

  it("counts concurrent hits exactly (one atomic upsert each)", async () => {
    const db = await getDb();
    const l = limit(10);
    const s = subject();
    const results = await Promise.all(Array.from({ length: 25 }, () => hit(db, l, s)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok)).toHaveLength(15);
  });

  it("is disabled by RATE_LIMITS=off (and writes nothing)", async () => {
    const db = await getDb();
    const l = limit(1);
    const s = subject();
    process.env.RATE_LIMITS = "off";
    for (let i = 0; i < 5; i++) expect(await hit(db, l, s)).toEqual({ ok: true });
    const key = sha256Hex(`${l.name}\u0000${s}`);
    const all = await db.select().from(rateLimits);
    expect(all.find((r) => r.key === key)).toBeUndefined();
    process.env.RATE_LIMITS = "on";
    expect((await hit(db, l, s)).ok).toBe(true);
    expect((await hit(db, l, s)).ok).toBe(false);
  });

  it("stores counters under a hash: no key contains the subject or the limit name", async () => {
    const db = await getDb();
    const s = `alice-${randomUUID()}@example.com|198.51.100.4`;
    const l = limit(5);
    await hit(db, l, s);
    await hit(db, l, s);
    const all = await db.select().from(rateLimits);
    const dump = JSON.stringify(all);
    expect(dump).not.toContain(s);
    expect(dump).not.toContain("alice-");
    expect(dump).not.toContain(l.name);
    for (const row of all) expect(row.key).toMatch(/^[0-9a-f]{64}$/);
    const mine = all.find((r) => r.key === sha256Hex(`${l.name}\u0000${s}`));
    expect(mine?.count).toBe(2);
  });
});

describe("hitAll", () => {
  it("counts every limit and reports the longest wait", async () => {
    const db = await getDb();
    const short = limit(1, 60);
    const long = limit(1, 3600);
    const s = subject();
    expect((await hitAll(db, [[short, s], [long, s]])).ok).toBe(true);
    const r = await hitAll(db, [[short, s], [long, s]]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.retryAfterSeconds).toBeGreaterThan(3500);
  });

  it("still counts the later limits when an earlier one is over", async () => {
    const db = await getDb();
    const first = limit(1);
    const second = limit(2);
    const s = subject();
    await hitAll(db, [[first, s], [second, s]]); // 1, 1
    expect((await hitAll(db, [[first, s], [second, s]])).ok).toBe(false); // 2 (over), 2
    expect((await hit(db, second, s)).ok).toBe(false); // 3: the refused request above was counted
  });

  it("the login limits are per (IP, email) and per IP", () => {
    expect(LIMITS.loginPerIpEmail).toMatchObject({ max: 10 });
    expect(LIMITS.loginPerIp.max).toBeGreaterThan(LIMITS.loginPerIpEmail.max);
  });
});

describe("persistence", () => {
  it.skipIf(!!process.env.DATABASE_URL)("counters survive closing and reopening a file-based PGlite", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rl-pglite-"));
    const saved = process.env.PGLITE_DIR;
    onTestFinished(async () => {
      await closeDb();
      process.env.PGLITE_DIR = saved ?? "memory://";
      fs.rmSync(dir, { recursive: true, force: true });
    });
    await closeDb();
    process.env.PGLITE_DIR = path.join(dir, "db");
    const l = limit(2);
    const s = subject();

    let db = await getDb();
    expect((await hit(db, l, s)).ok).toBe(true);
    expect((await hit(db, l, s)).ok).toBe(true);
    await closeDb();
    expect(fs.existsSync(path.join(dir, "db.lock"))).toBe(false);

    db = await getDb();
    const after = await hit(db, l, s);
    expect(after.ok).toBe(false);
    expect(!after.ok && after.retryAfterSeconds).toBeGreaterThan(500);
  });
});
