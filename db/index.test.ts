import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { acquireDirectoryLock, DatabaseBusyError } from "./index";

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dblock-"));
});
afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function liveChild(): number {
  const child = spawn("sleep", ["5"], { stdio: "ignore" });
  onTestFinished(() => {
    child.kill("SIGKILL");
  });
  expect(child.pid).toBeGreaterThan(0);
  return child.pid!;
}

async function deadPid(): Promise<number> {
  const child = spawn("true", [], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // Reaped: signalling it now fails with ESRCH.
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

describe("acquireDirectoryLock", () => {
  it("writes our pid to <dir>.lock, and release removes it", () => {
    const dir = path.join(tmp, "pglite");
    const release = acquireDirectoryLock(dir);
    const lock = `${dir}.lock`;
    expect(fs.readFileSync(lock, "utf8")).toBe(String(process.pid));
    expect((fs.statSync(lock).mode & 0o777).toString(8)).toBe("600");
    release();
    expect(fs.existsSync(lock)).toBe(false);
    // Releasing twice is harmless.
    expect(() => release()).not.toThrow();
  });

  it("fails with DatabaseBusyError while another live process holds the lock, and leaves its lock alone", () => {
    const dir = path.join(tmp, "pglite");
    const pid = liveChild();
    fs.writeFileSync(`${dir}.lock`, String(pid));
    let error: unknown;
    try {
      acquireDirectoryLock(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseBusyError);
    expect((error as Error).name).toBe("DatabaseBusyError");
    expect((error as Error).message).toContain(`pid ${pid}`);
    expect(fs.readFileSync(`${dir}.lock`, "utf8")).toBe(String(pid));
  });

  it("takes over a lock left by a dead process", async () => {
    const dir = path.join(tmp, "pglite");
    const pid = await deadPid();
    fs.writeFileSync(`${dir}.lock`, String(pid));
    const release = acquireDirectoryLock(dir);
    expect(fs.readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.pid));
    release();
    expect(fs.existsSync(`${dir}.lock`)).toBe(false);
  });

  it("takes over an empty or garbage lock file", () => {
    const dir = path.join(tmp, "pglite");
    for (const content of ["", "not-a-pid", "-1", "0"]) {
      fs.writeFileSync(`${dir}.lock`, content);
      const release = acquireDirectoryLock(dir);
      expect(fs.readFileSync(`${dir}.lock`, "utf8")).toBe(String(process.pid));
      release();
    }
  });

  it("release does not remove a lock that another process has taken since", () => {
    const dir = path.join(tmp, "pglite");
    const release = acquireDirectoryLock(dir);
    const other = liveChild();
    fs.writeFileSync(`${dir}.lock`, String(other));
    release();
    expect(fs.readFileSync(`${dir}.lock`, "utf8")).toBe(String(other));
  });

  it("resolves the lock path, so two spellings of one directory share one lock", () => {
    const release = acquireDirectoryLock(`${tmp}/sub/../db`);
    expect(fs.readFileSync(path.join(tmp, "db.lock"), "utf8")).toBe(String(process.pid));
    const pid = liveChild();
    fs.writeFileSync(path.join(tmp, "db.lock"), String(pid));
    expect(() => acquireDirectoryLock(path.join(tmp, "db"))).toThrow(DatabaseBusyError);
    release();
  });
});
