// Starts extra instances of the production server (scripts/server.mjs) for tests that need their
// own: two instances on one Postgres, a server whose output is captured, a server with TRUST_PROXY.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export type AppServer = { url: string; output: () => string; stop: () => Promise<void>; process: ChildProcess };

export async function startServer(opts: { port: number; env?: Record<string, string>; dataDir?: string }): Promise<AppServer> {
  const url = `http://127.0.0.1:${opts.port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(opts.port),
    HOST: "127.0.0.1",
    APP_URL: url,
    BCRYPT_COST: "4",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: "",
    ...opts.env,
  };
  if (opts.dataDir) {
    fs.rmSync(opts.dataDir, { recursive: true, force: true });
    env.PGLITE_DIR = path.join(opts.dataDir, "pglite");
  }
  const child = spawn(process.execPath, ["scripts/server.mjs"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d.toString()));
  child.stderr!.on("data", (d) => (out += d.toString()));
  const state = { exited: false };
  const exit = new Promise<void>((resolve) => child.on("exit", () => ((state.exited = true), resolve())));

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (state.exited) throw new Error(`server on ${opts.port} exited during start:\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`server on ${opts.port} did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    output: () => out,
    stop: async () => {
      if (!state.exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

/** Signs in through the API (as a browser would: with an Origin header) and returns the Cookie header. */
export async function apiLogin(url: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get("set-cookie")!.split(";")[0];
}

export async function apiInvite(url: string, cookie: string, email: string, role = "member"): Promise<{ id: string; url: string }> {
  const res = await fetch(`${url}/api/invitations`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: url, cookie },
    body: JSON.stringify({ email, role }),
  });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${await res.text()}`);
  return (await res.json()).invitation;
}

/** Runs a command to completion (with a time limit) and returns its exit code and output. */
export function runToExit(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(args[0], args.slice(1), { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (d) => (output += d.toString()));
    child.stderr!.on("data", (d) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
