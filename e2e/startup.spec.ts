import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { runToExit, startServer } from "./support/server";

const dataDir = ".data/e2e-startup";
const pgliteDir = `${dataDir}/pglite`;

test("first start prints the admin link once; PGlite is one process at a time; a killed server's lock does not block a restart", async () => {
  test.setTimeout(240_000);
  const first = await startServer({ port: 3251, dataDir, env: { ADMIN_EMAIL: "root@startup.test", ADMIN_PASSWORD: "" } });
  let killed = false;
  try {
    expect(first.output()).toMatch(/set the password for root@startup\.test[\s\S]*\/onboarding\?token=[A-Za-z0-9_-]{43}/);
    // The generated signing secret is private to the owner.
    expect(fs.statSync(`${dataDir}/auth-secret`).mode & 0o777).toBe(0o600);

    // A second server on the same directory fails loudly instead of silently losing writes.
    const second = await runToExit([process.execPath, "scripts/server.mjs"], { PORT: "3252", PGLITE_DIR: pgliteDir, DATABASE_URL: "" });
    expect(second.code).not.toBe(0);
    expect(second.output).toContain("in use by another process");

    // So does the invite CLI.
    const cli = await runToExit(["npx", "tsx", "scripts/invite.ts", "dora@startup.test"], { PGLITE_DIR: pgliteDir, DATABASE_URL: "" });
    expect(cli.code).toBe(1);
    expect(cli.output).toContain("in use by another process");

    first.process.kill("SIGKILL");
    killed = true;
    await new Promise((r) => first.process.once("exit", r));
  } finally {
    if (!killed) await first.stop();
  }
  expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(true); // left behind by the killed process

  const restarted = await startServer({ port: 3253, env: { PGLITE_DIR: pgliteDir, ADMIN_EMAIL: "root@startup.test", ADMIN_PASSWORD: "" } });
  try {
    // The link was printed once; a restart does not print another (only its hash is stored).
    expect(restarted.output()).not.toMatch(/token=/);
    expect(restarted.output()).toContain("still pending");
  } finally {
    await restarted.stop();
  }
  expect(fs.existsSync(`${pgliteDir}.lock`)).toBe(false); // released on a clean stop

  const cli = await runToExit(["npx", "tsx", "scripts/invite.ts", "dora@startup.test", "--role", "admin"], { PGLITE_DIR: pgliteDir, DATABASE_URL: "" });
  expect(cli.code).toBe(0);
  const lines = cli.output.trim().split("\n");
  expect(lines.at(-1)).toMatch(/^http:\/\/localhost:3000\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
});

test("with DATABASE_URL the server refuses to start without AUTH_SECRET", async () => {
  const run = await runToExit([process.execPath, "scripts/server.mjs"], {
    PORT: "3254",
    DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    AUTH_SECRET: "",
  });
  expect(run.code).toBe(1);
  expect(run.output).toContain("AUTH_SECRET is required");
});

test("over https: HSTS on every response and the __Host- session cookie", async () => {
  test.setTimeout(120_000);
  const admin = { email: "root@https.test", password: "Bramble-Cobalt-Sextant-88" };
  const server = await startServer({
    port: 3255,
    dataDir: ".data/e2e-https",
    env: { APP_URL: "https://dash.example.test", ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
  });
  try {
    const health = await fetch(`${server.url}/api/health`);
    expect(health.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const page = await fetch(`${server.url}/login`);
    expect(page.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    const login = await fetch(`${server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://dash.example.test" },
      body: JSON.stringify(admin),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^__Host-session=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain("; Secure");
    expect(cookie).toContain("HttpOnly");
  } finally {
    await server.stop();
  }
});
