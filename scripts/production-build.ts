// The production build that the benchmark and the screenshots run against: rebuilt when older than
// the sources, and held (a shared lock) while their servers run, so no other `flock … npm run build`
// replaces .next under them.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const LOCK = "/tmp/next-build.lock";

function newestSource(): number {
  let newest = 0;
  const walk = (p: string) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of fs.readdirSync(p)) if (e !== "node_modules" && !e.startsWith(".")) walk(path.join(p, e));
    } else if (!/\.test\.tsx?$/.test(p)) newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["app", "components", "lib", "db", "proxy.ts", "next.config.ts", "package-lock.json", "postcss.config.mjs", "tsconfig.json"]) walk(path.join(ROOT, p));
  return newest;
}

/**
 * Builds when `.next` is missing or older than the sources. `force` (an env switch such as
 * BENCH_BUILD): "1" always builds, "0" never does; its name is only for the log line.
 */
export function ensureBuild(log: (line: string) => void, force: { name: string; value: string | undefined }): void {
  const id = path.join(ROOT, ".next", "BUILD_ID");
  const built = fs.existsSync(id) ? fs.statSync(id).mtimeMs : 0;
  const stale = built < newestSource();
  if (force.value === "0" || (force.value !== "1" && !stale)) {
    log(`production build: ${stale ? `STALE, but ${force.name}=0: using it anyway` : "up to date"}${built ? ` (.next/BUILD_ID ${new Date(built).toISOString()})` : ""}`);
    return;
  }
  log(`${built ? "production build is older than the sources" : "no production build"}: flock ${LOCK} npm run build`);
  const r = spawnSync("flock", [LOCK, "npm", "run", "build"], { cwd: ROOT, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (r.status !== 0) throw new Error("npm run build failed");
}

/** Holds the build lock shared until the returned function is called. */
export async function holdBuildLock(): Promise<() => void> {
  const child = spawn("flock", ["-s", LOCK, "sh", "-c", "echo locked; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`flock exited ${code}`)));
  });
  return () => child.stdin!.end();
}
