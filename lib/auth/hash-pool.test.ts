import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { POST as login } from "@/app/api/auth/login/route";
import { getDb } from "@/db";
import { request, uniqueEmail } from "../testing/api";
import { closeHashPool, hashSlots, hashTaskCounts, ServerBusyError, withHashSlot } from "./hash-pool";
import { hashPassword, verifyPassword } from "./password";

// bcrypt runs in the hashing pool's worker threads, never on the thread that serves requests, and a
// full queue answers 503 server_busy at once. Work is counted, never timed.

// Counts bcryptjs calls made on THIS thread (a worker thread loads its own copy, which this mock does
// not reach): the request thread must never make one.
const onThisThread = vi.hoisted(() => ({ calls: 0 }));
vi.mock("bcryptjs", async (importOriginal) => {
  const original = await importOriginal<typeof import("bcryptjs")>();
  const wrap = <F extends (...args: never[]) => unknown>(f: F) =>
    ((...args: Parameters<F>) => {
      onThisThread.calls++;
      return f(...args);
    }) as F;
  const fns = {
    hash: wrap(original.hash),
    hashSync: wrap(original.hashSync),
    compare: wrap(original.compare),
    compareSync: wrap(original.compareSync),
  };
  return { ...original, ...fns, default: { ...original.default, ...fns } };
});

const saved = { HASH_THREADS: process.env.HASH_THREADS, HASH_QUEUE_MAX: process.env.HASH_QUEUE_MAX, BCRYPT_COST: process.env.BCRYPT_COST };
afterEach(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await closeHashPool();
});
afterAll(closeHashPool);

describe("the hashing pool", () => {
  it("hashes and compares in worker threads: no bcrypt call on the request thread", async () => {
    onThisThread.calls = 0;
    const before = { ...hashTaskCounts };
    const hash = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    expect(await verifyPassword("wrong horse battery staple", hash)).toBe(false);
    expect(hashTaskCounts.hash - before.hash).toBe(1);
    expect(hashTaskCounts.compare - before.compare).toBe(2);
    expect(onThisThread.calls).toBe(0);
  });

  it("a full queue fails at once with ServerBusyError; the tasks it admitted all finish", async () => {
    process.env.HASH_THREADS = "1";
    process.env.HASH_QUEUE_MAX = "2";
    await closeHashPool();
    // 2 slots (one thread + one) and 2 waiting are admitted; the other 6 are refused without waiting.
    expect(hashSlots()).toBe(2);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => hashPassword(`password number ${i}`, 8)));
    const busy = results.filter((r) => r.status === "rejected");
    const done = results.filter((r) => r.status === "fulfilled");
    expect(busy.length).toBe(6);
    expect(done.length).toBe(4);
    for (const r of busy) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ServerBusyError);
    // Once the queue drains, hashing works again.
    expect(await hashPassword("after the storm", 4)).toMatch(/^\$2[aby]\$04\$/);
  });

  it("a request waiting for a slot does no work until one frees; nested hashing uses the caller's slot", async () => {
    process.env.HASH_THREADS = "1";
    process.env.HASH_QUEUE_MAX = "10";
    await closeHashPool();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const holders = [1, 2].map((n) =>
      withHashSlot(async () => {
        order.push(`start ${n}`);
        await gate;
        // Inside a slot, hashing needs no second admission (it would wait for itself otherwise).
        await hashPassword(`holder ${n}`, 4);
        order.push(`end ${n}`);
      }),
    );
    const waiter = withHashSlot(async () => {
      order.push("start 3");
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(["start 1", "start 2"]);
    release();
    await Promise.all([...holders, waiter]);
    // The waiter started only once a holder had finished.
    expect(order.indexOf("start 3")).toBeGreaterThan(Math.min(order.indexOf("end 1"), order.indexOf("end 2")));
  });

  it("a login that finds the queue full gets 503 server_busy (JSON, Retry-After), never a 500", async () => {
    process.env.HASH_THREADS = "1";
    process.env.HASH_QUEUE_MAX = "0";
    await closeHashPool();
    // Open the database and start the one thread first, keep it busy, then log in: the comparison
    // has no room to wait.
    await getDb();
    await hashPassword("warm up the thread", 4);
    // Both slots (the thread's and the spare one) held, nobody may wait.
    const hog = Promise.all([hashPassword("keeps the only thread busy", 12), hashPassword("and the spare slot", 12)]);
    await new Promise((r) => setTimeout(r, 20));
    const res = await login(request("/api/auth/login", { body: { email: uniqueEmail("busy"), password: "whatever password" } }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ error: { code: "server_busy", message: expect.any(String) } });
    await hog;
  });
});
