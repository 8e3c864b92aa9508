import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { FRESH_SCHEMA_SQL } from "./support/pg";
import { apiInvite, apiLogin, runToExit } from "./support/server";

// The server's life cycle (scripts/server.mjs): "Ready" only once it can serve; SIGTERM / SIGINT
// finish the requests in flight, close the pools and exit within 10 s; WEB_CONCURRENCY runs several
// processes on one port (Postgres only; PGlite refuses).

const admin = { email: "root@lifecycle.test", password: "Bramble-Cobalt-Sextant-88" };

type Running = { url: string; child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> };

/** Spawns the production server and resolves once it prints its Ready line (no polling: that line is the contract). */
async function startUntilReady(port: number, env: Record<string, string>): Promise<Running> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["scripts/server.mjs"], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", APP_URL: url, NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (/^Ready: open /m.test(out)) resolve();
    };
    child.stdout!.on("data", (d) => ((out += d.toString()), check()));
    child.stderr!.on("data", (d) => (out += d.toString()));
    void exited.then(() => reject(new Error(`server on ${port} exited before Ready:\n${out}`)));
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
  await ready.finally(() => clearTimeout(timer));
  return { url, child, output: () => out, exited };
}

/** Waits for the process to exit and returns how long that took after `since`. */
async function exitAfter(server: Running, since: number) {
  const result = await server.exited;
  return { ...result, ms: performance.now() - since };
}

async function waitFor(predicate: () => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** GET on a new connection (no keep-alive), so each request is a new connection to the port. */
function getOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

test("a startup failure never prints Ready", async () => {
  const run = await runToExit([process.execPath, "scripts/server.mjs"], {
    PORT: "3271",
    DATABASE_URL: "postgres://nobody:nothing@127.0.0.1:1/none", // nothing listens on port 1
    AUTH_SECRET: randomBytes(32).toString("base64url"),
  });
  expect(run.code).toBe(1);
  expect(run.output).toContain("Startup failed");
  expect(run.output).not.toContain("Ready");
});

test("WEB_CONCURRENCY above 1 on PGlite refuses to start, saying why", async () => {
  const run = await runToExit([process.execPath, "scripts/server.mjs"], { PORT: "3272", WEB_CONCURRENCY: "2", DATABASE_URL: "" });
  expect(run.code).toBe(1);
  expect(run.output).toContain("WEB_CONCURRENCY=2 needs DATABASE_URL");
  expect(run.output).toContain("directory lock");
  expect(run.output).not.toContain("Ready");
});

test("Ready means ready; SIGTERM during a claim: the claim completes, the pools close, exit within 10 s; SIGINT the same", async () => {
  test.setTimeout(180_000);
  const dataDir = ".data/e2e-lifecycle";
  fs.rmSync(dataDir, { recursive: true, force: true });
  const pgliteDir = path.join(dataDir, "pglite");
  // bcrypt at the production cost keeps the claim in flight long enough to be interrupted mid-way;
  // debug logging shows when a request has started.
  const env = { PGLITE_DIR: pgliteDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, BCRYPT_COST: "12", LOG_LEVEL: "debug" };

  const server = await startUntilReady(3273, env);
  let invitee = "";
  let password = "";
  try {
    // Startup (migrations, the first admin) finished before Ready, and the first request is served.
    const out = server.output();
    expect(out.indexOf("first admin created")).toBeGreaterThan(-1);
    expect(out.indexOf("first admin created")).toBeLessThan(out.indexOf("Ready: open"));
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok", db: "ok" });

    const cookie = await apiLogin(server.url, admin.email, admin.password);
    invitee = `sigterm-${Date.now()}@lifecycle.test`;
    const inv = await apiInvite(server.url, cookie, invitee);
    const secret = new URL(inv.url).searchParams.get("token")!;
    const issued = await fetch(`${server.url}/api/onboarding/get_token?token=${secret}`);
    expect(issued.status).toBe(200);
    const jwt = (await issued.json()).onboarding_token as string;

    password = `Walnut-Comet-${randomBytes(4).toString("hex")}-Ferry`;
    const before = server.output().length;
    const claim = fetch(`${server.url}/api/onboarding/claim_token`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url, authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ token: secret, password }),
    });
    // Once the server has started on the claim, stop it.
    await waitFor(() => /"route":"\/api\/onboarding\/claim_token"[^\n]*"msg":"request started"/.test(server.output().slice(before)), "the claim to start");
    const signalled = performance.now();
    server.child.kill("SIGTERM");

    const res = await claim;
    expect(res.status).toBe(200);
    expect((await res.json()).user.email).toBe(invitee);
    expect(res.headers.get("set-cookie")).toMatch(/(^|, )session=/);

    const { code, ms } = await exitAfter(server, signalled);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    // The claim was in flight when the server stopped accepting, and finished after that.
    const lines = logLines(server.output().slice(before));
    const stoppedAccepting = lines.findIndex((l) => l.msg === "stopped accepting connections");
    const claimLogged = lines.findIndex((l) => l.msg === "request" && l.route === "/api/onboarding/claim_token");
    expect(stoppedAccepting).toBeGreaterThan(-1);
    expect(lines[stoppedAccepting].in_flight).toBeGreaterThanOrEqual(1);
    expect(claimLogged).toBeGreaterThan(stoppedAccepting);
    expect(lines.at(-1)?.msg).toBe("stopped");
    // The database was closed: PGlite's directory lock is released.
    expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false);
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  }

  // The claim was committed: the new password signs in after a restart. Then SIGINT, with a kept-alive
  // connection open, stops the server just as cleanly.
  const again = await startUntilReady(3274, { ...env, LOG_LEVEL: "info" });
  try {
    await apiLogin(again.url, invitee, password);
    const signalled = performance.now();
    again.child.kill("SIGINT");
    const { code, ms } = await exitAfter(again, signalled);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(again.output()).toContain('"msg":"stopped"');
    expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false);
    // A new connection is refused once it is gone.
    await expect(fetch(`${again.url}/api/health`)).rejects.toThrow();
  } finally {
    if (again.child.exitCode === null && again.child.signalCode === null) again.child.kill("SIGKILL");
  }
});

test.describe("WEB_CONCURRENCY on Postgres", () => {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  test.skip(!databaseUrl, "needs E2E_DATABASE_URL (scripts/test-all.sh sets it)");

  test("two processes serve one port; a dead one is replaced; SIGTERM stops both within 10 s", async () => {
    test.setTimeout(180_000);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await db.query(FRESH_SCHEMA_SQL);
    } finally {
      await db.end();
    }
    const server = await startUntilReady(3275, {
      DATABASE_URL: databaseUrl!,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      WEB_CONCURRENCY: "2",
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      BCRYPT_COST: "4",
    });
    try {
      expect(server.output()).toContain("2 processes");
      // Startup ran in both (advisory-locked migrations), and exactly one first admin exists.
      expect(server.output().match(/first admin created/g) ?? []).toHaveLength(1);
      await apiLogin(server.url, admin.email, admin.password);

      // New connections are spread over both processes (each request line names its pid).
      const pidsServing = async (n: number) => {
        const before = server.output().length;
        for (let i = 0; i < n; i++) expect(await getOnNewConnection(`${server.url}/api/health`)).toBe(200);
        await waitFor(
          () => logLines(server.output().slice(before)).filter((l) => l.route === "/api/health").length >= n,
          "the request log lines",
        );
        return new Set(logLines(server.output().slice(before)).flatMap((l) => (l.route === "/api/health" ? [l.pid as number] : [])));
      };
      const first = await pidsServing(8);
      expect(first.size).toBe(2);

      // One process dies: the other keeps serving, and a replacement joins.
      const [victim] = [...first];
      process.kill(victim, "SIGKILL");
      await waitFor(() => server.output().includes("starting another"), "the primary to notice");
      let now = new Set<number>();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        now = await pidsServing(4);
        if (now.size === 2 && !now.has(victim)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(now.has(victim)).toBe(false);
      expect(now.size).toBe(2);

      const signalled = performance.now();
      server.child.kill("SIGTERM");
      const { code, ms } = await exitAfter(server, signalled);
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      for (const pid of now) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    }
  });
});
