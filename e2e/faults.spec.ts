import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { apiInvite, apiLogin, startServer, type AppServer } from "./support/server";
import { freshSchema, withClient } from "./support/pg";
import { isProperAnswer, loopbackAddress, outcome, request, sleep, tally, type Answer } from "./support/storm";

// Faults (issue 9): the database connection dies mid-storm, the database stops for 10 s, the server
// is SIGKILLed mid-storm. Whatever happens, every invitation ends fully claimed (accepted, password,
// one session, one "claimed" event) or fully claimable (none of it), checked in SQL; every answer the
// app gives is a 2xx/4xx JSON or a 503 JSON saying why — never another 5xx, a non-JSON body, a reset
// connection or a hang (only requests in flight at the SIGKILL itself may drop); and the app recovers
// without a restart when the database comes back.

const databaseUrl = process.env.E2E_DATABASE_URL;
const NEEDS_PG = "needs E2E_DATABASE_URL (scripts/test-all.sh sets it)";
const admin = { email: "admin@faults.test", password: "Cinder-Magnolia-Rampart-53" };
// The app's database timeouts, at their defaults (lib/env.ts): connecting or waiting for a pooled
// connection, and one statement.
const CONNECT_MS = 2000;
const STATEMENT_MS = 5000;

type Link = { n: number; email: string; invitationId: string; secret: string; jwt: string };
type Sent = Answer & { kind: string; link?: number; password?: string };

async function makeLinks(server: AppServer, cookie: string, count: number, tag: string): Promise<Link[]> {
  const links: Link[] = [];
  for (let n = 0; n < count; n++) {
    const email = `${tag}-${n}@example.com`;
    const inv = await apiInvite(server.url, cookie, email);
    const secret = new URL(inv.url).searchParams.get("token")!;
    const issued = await request(`${server.url}/api/onboarding/get_token?token=${secret}`);
    expect(issued.status).toBe(200);
    links.push({ n, email, invitationId: inv.id, secret, jwt: (issued.body as { onboarding_token: string }).onboarding_token });
  }
  return links;
}

function claim(server: AppServer, link: Link, password: string, localAddress?: string): Promise<Sent> {
  return request(`${server.url}/api/onboarding/claim_token`, {
    body: { token: link.secret, password },
    headers: { origin: server.url, authorization: `Bearer ${link.jwt}` },
    localAddress,
    timeoutMs: 30_000,
  }).then((a) => ({ ...a, kind: "claim", link: link.n, password }));
}

// A claim is all or nothing: accepted + password + exactly one session + one "claimed" event, or none.
const STATE_SQL = `
  select u.email, i.is_accepted, i.accepted_at is not null as has_accepted_at, i.revoked_at is null as live,
         u.password_hash is not null as has_password,
         (select count(*)::int from sessions s where s.user_id = u.id) as sessions,
         (select count(*)::int from audit_events e where e.invitation_id = i.id and e.action = 'invitation.claimed') as claimed_events
    from invitations i join users u on u.id = i.user_id
   where u.email like $1`;
type StateRow = {
  email: string;
  is_accepted: boolean;
  has_accepted_at: boolean;
  live: boolean;
  has_password: boolean;
  sessions: number;
  claimed_events: number;
};

function linkState(r: StateRow): "claimed" | "claimable" | "broken" {
  if (r.is_accepted && r.has_accepted_at && r.has_password && r.sessions === 1 && r.claimed_events === 1) return "claimed";
  if (!r.is_accepted && !r.has_accepted_at && r.live && !r.has_password && r.sessions === 0 && r.claimed_events === 0) return "claimable";
  return "broken";
}

/** Every link's state by its address; fails on a half-claimed one. */
function statesOf(rows: StateRow[], links: Link[]): Map<string, "claimed" | "claimable"> {
  expect(rows).toHaveLength(links.length);
  const broken = rows.filter((r) => linkState(r) === "broken");
  expect(broken, "half-claimed invitations").toEqual([]);
  return new Map(rows.map((r) => [r.email, linkState(r) as "claimed" | "claimable"]));
}

/** Answers that are not proper (see isProperAnswer), as readable lines. */
function improper(answers: Sent[]): string[] {
  return answers.filter((a) => !isProperAnswer(a)).map((a) => `${a.kind}${a.link === undefined ? "" : ` link ${a.link}`}: ${outcome(a)}`);
}

/** The 200s per link: at most one each (the arbiter), and their passwords. */
function winnersOf(answers: Sent[]): Map<number, string> {
  const winners = new Map<number, string>();
  for (const a of answers) {
    if (a.kind !== "claim" || a.status !== 200) continue;
    expect(winners.has(a.link!), `two 200s for link ${a.link}`).toBe(false);
    winners.set(a.link!, a.password!);
  }
  return winners;
}

/** Claims every claimable link now (proving it is), and signs in as every winner (proving the password stuck). */
async function finishAndVerify(server: AppServer, links: Link[], states: Map<string, string>, winners: Map<number, string>) {
  for (const link of links) {
    if (states.get(link.email) === "claimable") {
      const res = await claim(server, link, `Late-Harbor-${link.n}-${randomBytes(3).toString("hex")}`);
      expect(res.status, `link ${link.n} was claimable: ${outcome(res)}`).toBe(200);
    } else {
      // Claimed: the link says so, and no second claim gets through.
      const res = await claim(server, link, `Late-Harbor-${link.n}-${randomBytes(3).toString("hex")}`);
      expect(res.status, `link ${link.n} was claimed: ${outcome(res)}`).toBe(409);
    }
  }
  for (const [n, password] of winners) await apiLogin(server.url, links[n].email, password);
}

/**
 * Claim traffic from `workers` loops until stopped, each claiming a random link of `target()` not yet
 * won (or, when all are won, any of them: a 409 still reads and writes).
 */
function claimStorm(server: AppServer, target: () => Link[], workers: number) {
  const answers: Sent[] = [];
  const won = new Set<number>();
  let stopped = false;
  let inFlight = 0;
  let seq = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (!stopped) {
      const links = target();
      const open = links.filter((l) => !won.has(l.n));
      const pool = open.length ? open : links;
      const link = pool[Math.floor(Math.random() * pool.length)];
      const password = `Storm-Quill-${link.n}-${seq++}-${randomBytes(2).toString("hex")}`;
      inFlight++;
      const a = await claim(server, link, password);
      inFlight--;
      answers.push(a);
      if (a.status === 200) won.add(link.n);
      // A refused or failed claim is retried after a breath, as a browser would.
      if (a.status !== 200 && a.status !== 409) await sleep(20);
    }
  });
  return {
    answers,
    won,
    inFlight: () => inFlight,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** GET /api/health every `everyMs` until stopped. */
function healthPoller(server: AppServer, everyMs: number) {
  const answers: Sent[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      answers.push({ ...(await request(`${server.url}/api/health`, { timeoutMs: 30_000 })), kind: "health" });
      await sleep(everyMs);
    }
  })();
  return {
    answers,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

async function waitUntil(what: string, ms: number, ok: () => Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}



const secret = () => randomBytes(32).toString("base64url");

test.describe("faults on Postgres", () => {
  test.skip(!databaseUrl, NEEDS_PG);

  test("backends terminated while claims run, then the database away: 503 JSON meanwhile, every link claimed or claimable, recovery without a restart", async () => {
    test.setTimeout(180_000);
    await freshSchema(databaseUrl!);
    // The app's connections carry a name, so the test terminates exactly those.
    const appDbUrl = new URL(databaseUrl!);
    appDbUrl.searchParams.set("application_name", "faults-app");
    const dbName = decodeURIComponent(appDbUrl.pathname.slice(1));
    const server = await startServer({
      port: 3283,
      env: { DATABASE_URL: appDbUrl.toString(), AUTH_SECRET: secret(), ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, RATE_LIMITS: "off", LOG_LEVEL: "warn" },
    });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const tag = `term-${randomBytes(3).toString("hex")}`;
      const links = await makeLinks(server, await apiLogin(server.url, admin.email, admin.password), 100, tag);
      // Each phase claims its own links: 80 while backends are terminated (more than get claimed in
      // that time), 10 while the database is away (none can be), 10 once it is back.
      const groups = { kills: links.slice(0, 80), away: links.slice(80, 90), back: links.slice(90) };
      let phase: keyof typeof groups = "kills";
      const terminate = () =>
        db.query("select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = 'faults-app' and pid <> pg_backend_pid()");
      const storm = claimStorm(server, () => groups[phase], 12);
      const health = healthPoller(server, 200);
      let terminated = 0;

      // 1. Six seconds of claims while every app backend is terminated every 500 ms (the pool makes
      //    new ones): claims in flight lose their connection at any step, others get through.
      const t0 = Date.now();
      while (Date.now() - t0 < 6000) {
        await sleep(500);
        terminated += (await terminate()).rows[0].n;
      }
      const wonBeforeAway = storm.won.size;

      // 2. The database goes away for four seconds: no new connection is accepted (the database's
      //    connection limit 0; the test's own, older connection stays) and the app's are terminated.
      await db.query(`ALTER DATABASE "${dbName}" CONNECTION LIMIT 0`);
      await terminate();
      phase = "away";
      const awayFrom = Date.now();
      while (Date.now() - awayFrom < 4000) {
        terminated += (await terminate()).rows[0].n;
        await sleep(100);
      }
      const awayTo = Date.now();
      await db.query(`ALTER DATABASE "${dbName}" CONNECTION LIMIT -1`);
      phase = "back";

      // 3. Back: the same process serves again, within a few seconds.
      const back = Date.now();
      await waitUntil("health 200 after the database came back", 15_000, async () => (await request(`${server.url}/api/health`, { timeoutMs: 10_000 })).status === 200);
      const recoveredMs = Date.now() - back;
      await sleep(3000);
      await Promise.all([storm.stop(), health.stop()]);
      const answers = [...storm.answers, ...health.answers];
      console.log(
        `faults/terminate: ${terminated} backends terminated; ${storm.answers.length} claims ${JSON.stringify(tally(storm.answers))}; ` +
          `health ${JSON.stringify(tally(health.answers))}; ${wonBeforeAway} of 80 links won while backends were terminated, ${storm.won.size} of 100 in all; ` +
          `healthy ${recoveredMs} ms after it came back`,
      );

      // Every answer was a proper one, and none waited past the app's timeouts.
      expect(improper(answers)).toEqual([]);
      const slowest = Math.max(...answers.map((a) => a.endedAt - a.startedAt));
      expect(slowest).toBeLessThan(CONNECT_MS + STATEMENT_MS + CONNECT_MS);
      // The terminations really hit claims in flight (503), and other claims still went through.
      const duringKills = storm.answers.filter((a) => a.endedAt < awayFrom);
      expect(terminated).toBeGreaterThan(0);
      expect(duringKills.filter((a) => a.code === "service_unavailable").length).toBeGreaterThan(0);
      expect(wonBeforeAway).toBeGreaterThan(0);
      // While the database was away (after a moment for the last connections to die), every answer
      // was 503 JSON saying so.
      const whileAway = answers.filter((a) => a.startedAt >= awayFrom + 500 && a.endedAt <= awayTo);
      expect(whileAway.length).toBeGreaterThan(20);
      for (const a of whileAway) {
        expect(a.status, `${a.kind} while the database was away: ${outcome(a)}`).toBe(503);
        if (a.kind === "health") expect(a.body).toEqual({ status: "error", db: "unreachable" });
        else expect(a.code).toBe("service_unavailable");
        expect(a.headers["retry-after"]).toBeTruthy();
      }
      // No restart: the same process, which never printed Ready again.
      expect(server.process.exitCode).toBeNull();
      expect(server.output().match(/Ready: open/g) ?? []).toHaveLength(1);
      const afterBack = answers.filter((a) => a.startedAt >= back + recoveredMs + 200);
      expect(afterBack.filter((a) => a.status >= 500)).toEqual([]);
      // Claims work again: links of the last phase were claimed after the database came back. (A
      // claim of the middle phase's links may win too, if it ended after that.)
      expect(groups.back.filter((l) => storm.won.has(l.n)).length).toBeGreaterThan(0);
      const awayWins = storm.answers.filter((a) => a.status === 200 && groups.away.some((l) => l.n === a.link));
      expect(awayWins.filter((a) => a.endedAt < awayTo)).toEqual([]);

      // In SQL: every link fully claimed or fully claimable; every 200 is a claimed link.
      const states = statesOf((await db.query(STATE_SQL, [`${tag}-%`])).rows, links);
      const winners = winnersOf(storm.answers);
      for (const n of winners.keys()) expect(states.get(links[n].email)).toBe("claimed");
      await finishAndVerify(server, links, states, winners);
    } finally {
      await db.query(`ALTER DATABASE "${dbName}" CONNECTION LIMIT -1`).catch(() => {});
      await db.end();
      await server.stop();
    }
  });
});

// ---- Postgres stopped for 10 s: a cluster of the test's own -------------------------------------
const PG_VERSION = process.env.PG_VERSION ?? "15"; // as scripts/pg-test-db.sh
const isRoot = process.getuid?.() === 0;
const hasClusterTools = fs.existsSync("/usr/bin/pg_createcluster") && fs.existsSync(`/usr/lib/postgresql/${PG_VERSION}/bin/postgres`);

function sh(args: string[], opts: { asPostgres?: boolean } = {}): string {
  const argv = opts.asPostgres ? ["runuser", "-u", "postgres", "--", ...args] : args;
  // cwd /: the postgres user cannot read this checkout.
  const r = spawnSync(argv[0], argv.slice(1), { cwd: "/", encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Drops clusters a killed run of this test left behind (their name carries the creating pid). */
function dropStaleClusters() {
  for (const line of sh(["pg_lsclusters", "-h"]).split("\n")) {
    const [version, name] = line.trim().split(/\s+/);
    const pid = /^e2e_faults_(\d+)$/.exec(name ?? "")?.[1];
    if (version !== PG_VERSION || !pid) continue;
    let alive = true;
    try {
      process.kill(Number(pid), 0);
    } catch {
      alive = false;
    }
    if (!alive) sh(["pg_dropcluster", "--stop", version, name]);
  }
}

test.describe("Postgres stopped for 10 s", () => {
  test.skip(!databaseUrl, NEEDS_PG);
  test.skip(!isRoot || !hasClusterTools, `needs root and postgresql-common's pg_createcluster for PostgreSQL ${PG_VERSION}, to stop a cluster of its own`);

  test("light traffic: 503 JSON while it is down, full service after it is back, no restart", async () => {
    test.setTimeout(180_000);
    dropStaleClusters();
    const cluster = `e2e_faults_${process.pid}`;
    const pgPort = await freePort();
    let server: AppServer | undefined;
    try {
      sh(["pg_createcluster", PG_VERSION, cluster, "-p", String(pgPort), "--start"]);
      sh(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-p", String(pgPort), "-d", "postgres", "-c", "CREATE ROLE faults LOGIN PASSWORD 'faults'", "-c", "CREATE DATABASE faults OWNER faults"], {
        asPostgres: true,
      });
      server = await startServer({
        port: 3284,
        // Rate limits on (the production default): every request comes from its own address.
        env: { DATABASE_URL: `postgres://faults:faults@127.0.0.1:${pgPort}/faults`, AUTH_SECRET: secret(), ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, LOG_LEVEL: "warn" },
      });
      const s = server;
      const cookie = await apiLogin(s.url, admin.email, admin.password);
      const links = await makeLinks(s, cookie, 12, `stop-${randomBytes(3).toString("hex")}`);

      // Light traffic, one request every 100 ms: health, the admin's session, a link, a sign-in, a claim.
      const answers: Sent[] = [];
      const won = new Map<number, string>();
      let stopped = false;
      let seq = 0;
      const traffic = (async () => {
        while (!stopped) {
          const i = seq++;
          const from = loopbackAddress(i);
          const kind = ["health", "me", "get_token", "login", "claim"][i % 5];
          const link = links[Math.floor(i / 5) % links.length];
          let a: Sent;
          if (kind === "health") a = { ...(await request(`${s.url}/api/health`, { localAddress: from, timeoutMs: 30_000 })), kind };
          else if (kind === "me") a = { ...(await request(`${s.url}/api/me`, { headers: { cookie }, localAddress: from, timeoutMs: 30_000 })), kind };
          else if (kind === "get_token") a = { ...(await request(`${s.url}/api/onboarding/get_token?token=${link.secret}`, { localAddress: from, timeoutMs: 30_000 })), kind, link: link.n };
          else if (kind === "login") {
            a = {
              ...(await request(`${s.url}/api/auth/login`, { body: { email: admin.email, password: admin.password }, headers: { origin: s.url }, localAddress: from, timeoutMs: 30_000 })),
              kind,
            };
          } else {
            const open = links.find((l) => !won.has(l.n)) ?? link;
            a = await claim(s, open, `Slow-Tide-${open.n}-${i}-${randomBytes(2).toString("hex")}`, from);
            if (a.status === 200) won.set(open.n, a.password!);
          }
          answers.push(a);
          await sleep(100);
        }
      })();

      await sleep(2000);
      sh(["pg_ctlcluster", PG_VERSION, cluster, "stop"], { asPostgres: true });
      const downFrom = Date.now();
      await sleep(10_000);
      const downTo = Date.now();
      sh(["pg_ctlcluster", PG_VERSION, cluster, "start"], { asPostgres: true });
      const back = Date.now();
      await waitUntil("health 200 after the restart of Postgres", 20_000, async () => (await request(`${s.url}/api/health`, { timeoutMs: 10_000 })).status === 200);
      const recoveredMs = Date.now() - back;
      await sleep(3000);
      stopped = true;
      await traffic;
      console.log(
        `faults/stop: ${answers.length} requests, ${JSON.stringify(tally(answers))}; Postgres down ${downTo - downFrom} ms; ` +
          `healthy ${recoveredMs} ms after pg_ctlcluster start returned`,
      );

      expect(improper(answers)).toEqual([]);
      const before = answers.filter((a) => a.endedAt < downFrom);
      const whileDown = answers.filter((a) => a.startedAt >= downFrom && a.endedAt <= downTo);
      const after = answers.filter((a) => a.startedAt >= back + recoveredMs);
      // Before: full service.
      expect(before.filter((a) => a.status >= 500)).toEqual([]);
      // While down: every request answered 503 JSON saying so, quickly (a refused connection).
      expect(whileDown.length).toBeGreaterThan(40);
      for (const a of whileDown) {
        expect(a.status, `${a.kind} while Postgres was down: ${outcome(a)}`).toBe(503);
        if (a.kind === "health") expect(a.body).toEqual({ status: "error", db: "unreachable" });
        else expect(a.code).toBe("service_unavailable");
        expect(a.endedAt - a.startedAt).toBeLessThan(CONNECT_MS + 1000);
      }
      // After: full service from the same process, the admin's session still good.
      expect(after.length).toBeGreaterThan(10);
      for (const a of after) {
        const expected: Record<string, number[]> = { health: [200], me: [200], get_token: [200, 409], login: [200], claim: [200, 409] };
        expect(expected[a.kind], `${a.kind} after Postgres came back: ${outcome(a)}`).toContain(a.status);
      }
      expect(s.process.exitCode).toBeNull();
      expect(s.output().match(/Ready: open/g) ?? []).toHaveLength(1);
      // Nothing half-done, and the links still claimable can be claimed.
      const states = await withClient(`postgres://faults:faults@127.0.0.1:${pgPort}/faults`, async (db) => statesOf((await db.query(STATE_SQL, [`stop-%`])).rows, links));
      for (const n of won.keys()) expect(states.get(links[n].email)).toBe("claimed");
      await finishAndVerify(s, links, states, won);
    } finally {
      await server?.stop();
      try {
        sh(["pg_dropcluster", "--stop", PG_VERSION, cluster]);
      } catch (err) {
        console.error(String(err));
      }
    }
  });
});

// ---- SIGKILL mid-storm, then restart --------------------------------------------------------------
for (const driver of ["postgres", "pglite"] as const) {
  test(`SIGKILL during a claim storm, then a restart (${driver}): every link fully claimed or fully claimable, nothing acknowledged lost`, async () => {
    test.skip(driver === "postgres" && !databaseUrl, NEEDS_PG);
    test.setTimeout(180_000);
    const port = driver === "postgres" ? 3285 : 3286;
    const dataDir = path.join(".data", "e2e-faults-kill");
    const pgliteDir = path.join(dataDir, "pglite");
    const env: Record<string, string> = { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, RATE_LIMITS: "off", LOG_LEVEL: "warn" };
    if (driver === "postgres") {
      await freshSchema(databaseUrl!);
      Object.assign(env, { DATABASE_URL: databaseUrl!, AUTH_SECRET: secret() });
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true });
      Object.assign(env, { PGLITE_DIR: pgliteDir });
    }
    const first = await startServer({ port, env });
    const tag = `kill-${driver}-${randomBytes(3).toString("hex")}`;
    let killedAt = 0;
    let inFlightAtKill = 0;
    const links = await makeLinks(first, await apiLogin(first.url, admin.email, admin.password), 40, tag).catch(async (err) => {
      await first.stop();
      throw err;
    });
    const storm = claimStorm(first, () => links, 16);
    try {
      // Kill once a few claims went through, with others in flight.
      await waitUntil("ten claims to win", 60_000, async () => storm.won.size >= 10);
      inFlightAtKill = storm.inFlight();
      killedAt = Date.now();
      first.process.kill("SIGKILL");
      await storm.stop();
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) first.process.kill("SIGKILL");
      await storm.stop();
      await first.stop();
    }

    // Only requests in flight at the SIGKILL may have dropped; every answer was a proper one.
    const dropped = storm.answers.filter((a) => a.status === 0);
    const droppedEarly = dropped.filter((a) => a.startedAt > killedAt || a.endedAt < killedAt);
    expect(droppedEarly.map(outcome)).toEqual([]);
    expect(improper(storm.answers.filter((a) => a.status !== 0))).toEqual([]);
    const winners = winnersOf(storm.answers);
    console.log(
      `faults/kill (${driver}): ${storm.answers.length} claims ${JSON.stringify(tally(storm.answers))}; ` +
        `${inFlightAtKill} in flight at the SIGKILL, ${dropped.length} dropped; ${winners.size} links won`,
    );

    // In SQL, on what the killed server left: all or nothing per link; every acknowledged claim is there.
    let states: Map<string, "claimed" | "claimable">;
    if (driver === "postgres") {
      states = await withClient(databaseUrl!, async (db) => statesOf((await db.query(STATE_SQL, [`${tag}-%`])).rows, links));
    } else {
      // The killed server's lock file is still there, naming a dead process.
      const lock = `${path.resolve(pgliteDir)}.lock`;
      expect(fs.readFileSync(lock, "utf8")).toBe(String(first.process.pid));
      // Read a copy, so the server restarts on the very files the SIGKILL left.
      const copy = path.join(dataDir, "inspect");
      fs.cpSync(pgliteDir, copy, { recursive: true });
      const { PGlite } = await import("@electric-sql/pglite");
      const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
      const lite = new PGlite(copy, { extensions: { pg_trgm } });
      try {
        states = statesOf((await lite.query<StateRow>(STATE_SQL, [`${tag}-%`])).rows, links);
      } finally {
        await lite.close();
      }
    }
    for (const n of winners.keys()) expect(states.get(links[n].email), `link ${n} was acknowledged (200)`).toBe("claimed");
    expect([...states.values()].filter((s) => s === "claimable").length, "some links left claimable").toBeGreaterThan(0);

    // Restart on the same data (PGlite: past the stale lock): the winners sign in, the rest can be claimed.
    const again = await startServer({ port, env });
    try {
      await finishAndVerify(again, links, states, winners);
    } finally {
      await again.stop();
    }
  });
}
