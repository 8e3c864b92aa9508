import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as getToken } from "@/app/api/onboarding/get_token/route";
import { closeDb, getDb } from "@/db";
import { request } from "@/lib/testing/api";
import { GET as health } from "./route";

// A database that accepts the connection and never answers (a hung server, a half-open firewall):
// every request must be a 503 JSON answer within the contract's 3 s, never a hang.
let blackHole: net.Server;
let blackHolePort = 0;
const sockets = new Set<net.Socket>();
let accepted = 0;
const saved = process.env.DATABASE_URL;

beforeAll(async () => {
  blackHole = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
  blackHolePort = (blackHole.address() as net.AddressInfo).port;
  await getDb(); // the first open of an in-memory PGlite (migrations) can take longer than 2 s here
});

afterEach(async () => {
  if (saved === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved;
  await closeDb();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => blackHole.close(resolve));
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

describe("GET /api/health", () => {
  it("answers 200 {status: ok, db: ok} when the database answers, with no-store and no user data", async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ status: "ok", db: "ok" });
  });

  it("answers 503 {status: error, db: unreachable} within 3 s when the database accepts and never answers", async () => {
    await closeDb();
    process.env.DATABASE_URL = `postgres://nobody:nothing@127.0.0.1:${blackHolePort}/none`;
    const before = accepted;
    const { value: res, ms } = await timed(() => health());
    expect(ms).toBeLessThan(3000);
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ status: "error", db: "unreachable" });
    expect(accepted).toBeGreaterThan(before); // it was this listener that did not answer
  });

  it("answers 503 when nothing listens at all (connection refused)", async () => {
    await closeDb();
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    process.env.DATABASE_URL = `postgres://nobody:nothing@127.0.0.1:${port}/none`;
    const res = await health();
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "error", db: "unreachable" });
  });
});

describe("an API call while the database accepts and never answers", () => {
  it("is 503 service_unavailable JSON with Retry-After within 3 s, and the next call tries again", async () => {
    await closeDb();
    process.env.DATABASE_URL = `postgres://nobody:nothing@127.0.0.1:${blackHolePort}/none`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const before = accepted;
      const { value: res, ms } = await timed(() => getToken(request("/api/onboarding/get_token?token=whatever-secret")));
      expect(ms).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(await res.json()).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
      // A failed open is not cached: each call connects afresh.
      expect(accepted).toBeGreaterThan(before);
    }
  });
});
