// Helpers for `npm run bench` (scripts/bench.ts): start and stop server processes, drive them with
// autocannon, and talk to the app over HTTP (sign in, invite in bulk, get_token, claim). Nothing here
// asserts a timing; it measures and returns numbers.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Worker } from "node:worker_threads";
import autocannon from "autocannon";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

/** A fresh database on the local Postgres (scripts/pg-test-db.sh `name`): its URL. */
export function pgDatabase(name: string): string {
  const r = spawnSync("bash", [path.join(ROOT, "scripts", "pg-test-db.sh"), name], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const url = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !url.startsWith("postgres")) throw new Error(`scripts/pg-test-db.sh ${name} failed`);
  return url;
}

// ---- numbers --------------------------------------------------------------------------------

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
export const median = (xs: number[]) => percentile(xs, 50);
export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

// ---- processes ------------------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export type Proc = { name: string; port: number; child: ChildProcess; log: string; stop(): Promise<void> };

// Whatever happens to this process (an error, Ctrl-C), the servers it started do not outlive it.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(130));

/**
 * Starts `node <args>` with env, its output to a log file, and waits until `readyPath` answers
 * (any status below 500) on its port.
 */
export async function startProcess(opts: {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  readyPath: string;
  logDir: string;
  timeoutMs?: number;
}): Promise<Proc> {
  fs.mkdirSync(opts.logDir, { recursive: true });
  const log = path.join(opts.logDir, `${opts.name}.log`);
  const fd = fs.openSync(log, "w");
  const child = spawn(process.execPath, opts.args, { env: opts.env, stdio: ["ignore", fd, fd] });
  fs.closeSync(fd);
  live.add(child);
  let exited: number | string | null = null;
  child.on("exit", (code, signal) => {
    exited = code ?? signal ?? "exit";
    live.delete(child);
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    if (exited !== null) throw new Error(`${opts.name} exited (${exited}) before it was ready; see ${log}:\n${tail(log)}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${opts.name} not ready within ${opts.timeoutMs ?? 90_000} ms; see ${log}:\n${tail(log)}`);
    }
    const status = await get(`http://127.0.0.1:${opts.port}${opts.readyPath}`, 5000).catch(() => 0);
    if (status > 0 && status < 500) break;
    await sleep(200);
  }
  const stop = async () => {
    if (exited !== null) return;
    const done = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    const killed = await Promise.race([done.then(() => true), sleep(15_000).then(() => false)]);
    if (!killed) {
      child.kill("SIGKILL");
      await done;
    }
  };
  return { name: opts.name, port: opts.port, child, log, stop };
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "";
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---- plain requests -------------------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

export type Reply = { status: number; ms: number; body: string; headers: http.IncomingHttpHeaders; end: number };

/**
 * One request over a keep-alive agent; `ms` from just before sending to the last body byte.
 * `fresh`: a new connection, closed after the answer, as a separate client would open (a storm's
 * requests, the probe). Otherwise a kept-alive one from the pool.
 */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; fresh?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, agent: opts.fresh ? false : agent, timeout: opts.timeoutMs ?? 120_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const end = performance.now();
        resolve({ status: res.statusCode ?? 0, ms: end - t0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers, end });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${url}`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

async function get(url: string, timeoutMs: number): Promise<number> {
  return (await request(url, { timeoutMs })).status;
}

// ---- CPU time of a process tree (Linux /proc) ------------------------------------------------

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/**
 * CPU seconds (user + system, every thread) used so far by these processes and all their
 * descendants (cluster workers): with other work on the machine, how much CPU the servers really
 * got during a run says more than the wall clock.
 */
export function cpuSeconds(rootPids: number[]): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 50; hops++) {
      if (rootPids.includes(p)) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, st] of stats) if (inTree(pid)) ticks += st.ticks;
  return ticks / CLK_TCK;
}

// ---- load (autocannon) ----------------------------------------------------------------------

export type LoadResult = {
  path: string;
  connections: number;
  seconds: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
  /** CPU the server processes used during the measured run, in cores (CPU seconds per second). */
  serverCores?: number;
  /** Responses per CPU second of the server processes. */
  perCpuSecond?: number;
};

/** A path, or several taken in turn request by request (get_token over many links). */
export type Target = string | string[];

type LoadOptions = {
  ports: number[];
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  warmupSeconds?: number;
  /** Server process ids whose CPU time (with their descendants') is measured during the run. */
  pids?: number[];
};

/**
 * `connections` connections for `seconds` against `path` on every port given (connections split
 * evenly: two ports = two server processes). Throughput counts every response; p50/p99 come from
 * every response's time (autocannon's `response` event), merged over the ports. A 2-s warm-up run
 * precedes it and is not counted.
 */
export async function load(opts: LoadOptions & { path: string }): Promise<LoadResult> {
  const [result] = await loadAlternating({ ...opts, paths: [opts.path], rounds: 1 });
  return result;
}

/**
 * The same, for several paths whose throughputs are compared (get_token ÷ health): each path gets
 * `seconds` in all, in `rounds` windows taken in turn, the order reversed every other round (A B,
 * B A, A B, …). On a shared VM the machine's speed drifts over seconds; paths measured one after
 * the other see different machines, paths measured in turn see the same one. Each path warms up
 * once, first. `servers`, one per path, sends a path to other servers than `ports` (our health
 * check and the peer's GET, each server idle while the other's window runs).
 */
export async function loadAlternating(
  opts: LoadOptions & { paths: Target[]; rounds: number; servers?: Array<{ ports: number[]; pids?: number[] }> },
): Promise<LoadResult[]> {
  const warm = opts.warmupSeconds ?? 2;
  const windowSeconds = Math.max(1, Math.round(opts.seconds / opts.rounds));
  const runs = opts.paths.map((path, i) => {
    const { ports, pids } = opts.servers?.[i] ?? opts;
    const perPort = Math.max(1, Math.floor(opts.connections / ports.length));
    return { path: Array.isArray(path) ? path[0] : path, target: path, ports, pids, perPort, times: [] as number[], results: [] as autocannon.Result[], cpu: 0, seconds: 0 };
  });
  if (warm > 0) {
    for (const run of runs) await Promise.all(run.ports.map((port) => cannon(port, run.target, opts.headers, run.perPort, warm, null)));
  }
  for (let round = 0; round < opts.rounds; round++) {
    for (const run of round % 2 === 0 ? runs : [...runs].reverse()) {
      const cpu0 = run.pids ? cpuSeconds(run.pids) : 0;
      const results = await Promise.all(run.ports.map((port) => cannon(port, run.target, opts.headers, run.perPort, windowSeconds, run.times)));
      if (run.pids) run.cpu += cpuSeconds(run.pids) - cpu0;
      run.results.push(...results);
      run.seconds += Math.max(...results.map((r) => r.duration));
    }
  }
  return runs.map((run) => summarize(run, opts.connections, Boolean(run.pids)));
}

function summarize(run: { path: string; times: number[]; results: autocannon.Result[]; cpu: number; seconds: number }, connections: number, withCpu: boolean): LoadResult {
  const statuses: Record<string, number> = {};
  let requests = 0;
  let non2xx = 0;
  let errors = 0;
  for (const r of run.results) {
    requests += r.requests.total;
    non2xx += r.non2xx;
    errors += r.errors; // timeouts included
    for (const [code, v] of Object.entries((r as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {})) {
      statuses[code] = (statuses[code] ?? 0) + v.count;
    }
  }
  const { times, seconds, cpu } = run;
  return {
    path: run.path,
    connections,
    seconds: round(seconds, 2),
    requests,
    rps: round(times.length / seconds, 0),
    p50: round(percentile(times, 50), 2),
    p99: round(percentile(times, 99), 2),
    non2xx,
    errors,
    statuses,
    ...(withCpu && { serverCores: round(cpu / seconds, 2), perCpuSecond: round(times.length / Math.max(cpu, 0.01), 0) }),
  };
}

function cannon(port: number, target: Target, headers: Record<string, string> | undefined, connections: number, seconds: number, times: number[] | null) {
  const paths = Array.isArray(target) ? target : [target];
  let next = 0;
  // Several paths: each request takes the next one, whichever connection sends it.
  const requests = paths.length > 1 ? [{ setupRequest: (req: object) => ({ ...req, path: paths[next++ % paths.length] }) }] : undefined;
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}${paths[0]}`, connections, duration: seconds, headers, timeout: 30, requests },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (times) instance.on("response", (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
}

// ---- a latency sampler (open loop) ----------------------------------------------------------

export type Sample = { t: number; ms: number; status: number; error?: string };

/**
 * Sends GET `url` every `intervalMs` whether or not earlier ones have answered (open loop: a stalled
 * server shows up as many slow samples, not as one), until stop() is called. `t` is the send time in
 * ms since `origin` (this thread's performance.now()).
 *
 * It runs on a thread of its own: the storm it watches is sent from this thread, and 200 requests
 * written at once keep this event loop busy for tens of milliseconds, which a probe here would count
 * as the server's delay.
 */
export function sampler(url: string, intervalMs: number, origin: number) {
  let worker: Worker | null = null;
  return {
    start() {
      worker = new Worker(path.join(ROOT, "scripts", "bench-probe.mjs"), { workerData: { url, intervalMs, origin: performance.timeOrigin + origin } });
    },
    async stop(): Promise<Sample[]> {
      const w = worker;
      if (!w) return [];
      const samples = await new Promise<Sample[]>((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
        w.postMessage("stop");
      });
      await w.terminate();
      return samples.sort((a, b) => a.t - b.t);
    },
  };
}

// ---- the app, over HTTP ---------------------------------------------------------------------

export class AppClient {
  cookie = "";
  constructor(readonly port: number) {}
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  private post(pathname: string, body: unknown, headers: Record<string, string> = {}) {
    return request(this.base + pathname, {
      method: "POST",
      headers: { "content-type": "application/json", origin: this.base, ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      body: JSON.stringify(body),
    });
  }

  async login(email: string, password: string): Promise<void> {
    const r = await this.post("/api/auth/login", { email, password });
    if (r.status !== 200) throw new Error(`login: ${r.status} ${r.body}`);
    const set = r.headers["set-cookie"] ?? [];
    this.cookie = set
      .map((c) => c.split(";")[0])
      .filter((c) => /^(__Host-)?session=/.test(c))
      .join("; ");
  }

  /** Invites every address (bulk, 500 a request); returns each link's secret, in order. */
  async invite(emails: string[]): Promise<string[]> {
    const secrets: string[] = [];
    for (let i = 0; i < emails.length; i += 500) {
      const r = await this.post("/api/invitations/bulk", { emails: emails.slice(i, i + 500), role: "member" });
      if (r.status !== 200) throw new Error(`bulk invite: ${r.status} ${r.body}`);
      for (const line of JSON.parse(r.body).results as { outcome: string; invitation?: { url: string } }[]) {
        if (!line.invitation) throw new Error(`bulk invite: ${line.outcome}`);
        secrets.push(new URL(line.invitation.url).searchParams.get("token")!);
      }
    }
    return secrets;
  }

  async getToken(secret: string): Promise<string> {
    const r = await request(`${this.base}/api/onboarding/get_token?token=${encodeURIComponent(secret)}`);
    if (r.status !== 200) throw new Error(`get_token: ${r.status} ${r.body}`);
    return JSON.parse(r.body).onboarding_token;
  }

  /** get_token for many links, `parallel` at a time. */
  async getTokens(secrets: string[], parallel = 8): Promise<string[]> {
    const out: string[] = new Array(secrets.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < secrets.length) {
          const i = next++;
          out[i] = await this.getToken(secrets[i]);
        }
      }),
    );
    return out;
  }

  /** One claim; `fresh`: on its own new connection (a storm: each claim is a different browser). */
  claim(secret: string, jwt: string, password: string, fresh = false): Promise<Reply> {
    return request(`${this.base}/api/onboarding/claim_token`, {
      fresh,
      timeoutMs: 600_000, // the last of 200 claims waits for 199 hashes on a busy machine
      method: "POST",
      headers: { "content-type": "application/json", origin: this.base, authorization: `Bearer ${jwt}` },
      body: JSON.stringify({ token: secret, password }),
    });
  }
}

/** The error code of a JSON error body, or "". */
export function errorCode(body: string): string {
  try {
    return JSON.parse(body)?.error?.code ?? "";
  } catch {
    return "";
  }
}
