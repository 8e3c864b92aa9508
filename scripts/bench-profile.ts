// npm run bench:profile — what a request costs on the request thread, and where. Starts the production
// server on a fresh PGlite under `node --cpu-prof`, sends 300 GET /api/health, 300 GET get_token and
// BENCH_CLAIMS (20) claims, each one at a time, stops the server, and sums the CPU samples taken
// during each phase: per request, by package or file, and the top functions by self time (the
// hashing workers' too, for the claims: they should show bcrypt and little else). Prints, asserts
// nothing. Server bundles are minified, so app code shows up as .next/server/chunks/….
//
// BENCH_PROFILE_CONNECTIONS=32 profiles health and get_token under load instead (autocannon, that
// many connections, 5 s each: the cost per request the throughput rows of `npm run bench` see);
// BENCH_PROFILE_DB=postgres runs the server on a fresh local Postgres database (scripts/pg-test-db.sh).
import fs from "node:fs";
import path from "node:path";
import { AppClient, freePort, load, pgDatabase, request, sleep, startProcess } from "./bench-http";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const WORK = path.join(ROOT, ".data", "bench-profile");
const N = Number(process.env.BENCH_CLAIMS ?? 20);
const PASSWORD = "Lichen-Tambourine-Fjord-4471";
const ADMIN = { email: "bench-admin@example.com", password: "Quartz-Harbor-Meadow-9182" };
const CONNECTIONS = Number(process.env.BENCH_PROFILE_CONNECTIONS ?? 1);
const ON_POSTGRES = process.env.BENCH_PROFILE_DB === "postgres";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; startTime: number; samples: number[]; timeDeltas: number[] };

fs.rmSync(WORK, { recursive: true, force: true });
fs.mkdirSync(path.join(WORK, "prof"), { recursive: true });
const port = await freePort();
const env: NodeJS.ProcessEnv = { ...process.env };
for (const k of ["DATABASE_URL", "WEB_CONCURRENCY", "HASH_THREADS", "HASH_QUEUE_MAX", "LOG_LEVEL"]) delete env[k];
Object.assign(env, {
  NODE_ENV: "production",
  PORT: String(port),
  APP_URL: `http://127.0.0.1:${port}`,
  PGLITE_DIR: path.join(WORK, "pglite"),
  AUTH_SECRET: "bench-profile-secret-bench-profile-secret-0123",
  BCRYPT_COST: "12",
  RATE_LIMITS: "off",
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
});
if (ON_POSTGRES) env.DATABASE_URL = pgDatabase("bench_profile");
const server = await startProcess({
  name: "profiled-app",
  args: ["--cpu-prof", `--cpu-prof-dir=${path.join(WORK, "prof")}`, "--cpu-prof-interval=200", path.join(ROOT, "scripts", "server.mjs")],
  env,
  port,
  readyPath: "/api/health",
  logDir: WORK,
});
const client = new AppClient(port);
await client.login(ADMIN.email, ADMIN.password);
const secrets = await client.invite(Array.from({ length: N + 3 }, (_, i) => `profile-${i}@example.com`));
const jwts = await client.getTokens(secrets);
const viewLink = secrets[secrets.length - 1];
for (let i = 0; i < 3; i++) await client.claim(secrets[i], jwts[i], PASSWORD); // warm-up
for (let i = 0; i < 50; i++) await request(`${client.base}/api/health`);

// CPU profiles stamp samples with the monotonic clock in µs, as process.hrtime does (same machine):
// each phase's window is known exactly.
const now = () => Number(process.hrtime.bigint() / 1000n);
type Phase = { name: string; count: number; from: number; to: number; ms: number[] };
const phases: Phase[] = [];
async function phase(name: string, count: number, run: (i: number) => Promise<{ status: number; ms: number }>) {
  await sleep(300);
  const p: Phase = { name, count, from: now(), to: 0, ms: [] };
  for (let i = 0; i < count; i++) {
    const r = await run(i);
    if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
    p.ms.push(r.ms);
  }
  p.to = now();
  phases.push(p);
}
const getTokenPath = `/api/onboarding/get_token?token=${encodeURIComponent(viewLink)}`;
if (CONNECTIONS > 1) {
  for (const [name, p] of [["GET /api/health", "/api/health"], ["GET /api/onboarding/get_token", getTokenPath]]) {
    await sleep(300);
    const from = now();
    const r = await load({ ports: [port], path: p, connections: CONNECTIONS, seconds: 5, warmupSeconds: 0 });
    if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    phases.push({ name: `${name} under load (${CONNECTIONS} connections, ${r.rps} req/s)`, count: r.requests, from, to: now(), ms: [r.p50] });
  }
} else {
  await phase("GET /api/health", 300, () => request(`${client.base}/api/health`));
  await phase("GET /api/onboarding/get_token", 300, () => request(`${client.base}${getTokenPath}`));
}
await phase("POST /api/onboarding/claim_token", N, (i) => client.claim(secrets[i + 3], jwts[i + 3], PASSWORD));
await sleep(300);
await server.stop();
await sleep(500);

const files = fs.readdirSync(path.join(WORK, "prof")).filter((f) => f.endsWith(".cpuprofile"));
const profiles = files.map((f) => ({ f, p: JSON.parse(fs.readFileSync(path.join(WORK, "prof", f), "utf8")) as Profile }));
// The request thread is the profile whose samples reach Next's request handler; the rest are workers.
const isMain = (p: Profile) => p.nodes.some((n) => /next-server|base-server/.test(n.callFrame.url));
for (const ph of phases) {
  const sorted = [...ph.ms].sort((a, b) => a - b);
  const how = ph.name.includes("under load") ? `${ph.count} requests` : `${ph.count} requests one at a time`;
  console.log(`\n=== ${ph.name}: ${how}, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms (client side)`);
  for (const { f, p } of profiles) {
    const main = isMain(p);
    if (!main && !ph.name.includes("claim")) continue;
    summarize(f, p, main, ph);
  }
}

function summarize(file: string, p: Profile, main: boolean, ph: Phase) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  let t = p.startTime;
  const at = p.timeDeltas.map((d) => (t += d));
  const from = Math.max(1, at.findIndex((x) => x >= ph.from));
  const after = at.findIndex((x) => x > ph.to);
  const to = after < 0 ? at.length - 1 : after - 1;
  const self = new Map<string, number>();
  const byPkg = new Map<string, number>();
  let busyMs = 0;
  for (let i = from; i <= to; i++) {
    const n = byId.get(p.samples[i])!;
    const ms = (at[i] - at[i - 1]) / 1000;
    const fn = n.callFrame.functionName;
    // Idle, or a pool worker blocked waiting for its next task (Atomics.wait): no CPU spent.
    if (fn === "(idle)" || fn === "wait" || fn === "atomicsWaitLoop") continue;
    busyMs += ms;
    const where = place(n.callFrame.url, fn);
    byPkg.set(where, (byPkg.get(where) ?? 0) + ms);
    const key = `${fn || "(anonymous)"}  ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  const per = (v: number) => (v / ph.count).toFixed(2).padStart(8);
  console.log(`${main ? "request thread" : "hashing worker"} (${file}): busy ${per(busyMs)} ms per request`);
  for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, main ? 12 : 3)) console.log(`   ${per(v)} ms  ${k}`);
  if (main) {
    console.log("   top functions by self time:");
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`   ${per(v)} ms  ${k}`);
  }
}

function place(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m && !url.includes("/.next/")) return m[1];
  if (url.startsWith("node:")) return url;
  return short(url);
}

function short(url: string): string {
  return url.replace(/^file:\/\//, "").replace(ROOT + "/", "");
}
