import { defineConfig, devices } from "@playwright/test";

export const E2E_PORT = 3200;
export const E2E_URL = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_ADMIN = { email: "admin@e2e.test", password: "Orbit-Lantern-Meadow-2931!" };

// Debian's Chromium; never `npx playwright install` (no browser downloads on these machines).
export const chromiumLaunch = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  use: {
    ...devices["Desktop Chrome"],
    baseURL: E2E_URL,
    launchOptions: chromiumLaunch,
    trace: "off",
  },
  webServer: {
    // A fresh PGlite database per run; the app under test is the production build.
    command: "rm -rf .data/e2e && node scripts/server.mjs",
    url: `${E2E_URL}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    // The server's request log is long; E2E_SERVER_LOGS=1 shows it.
    stdout: process.env.E2E_SERVER_LOGS ? "pipe" : "ignore",
    stderr: "pipe",
    env: {
      PORT: String(E2E_PORT),
      HOST: "127.0.0.1",
      APP_URL: E2E_URL,
      PGLITE_DIR: ".data/e2e/pglite",
      DATABASE_URL: "",
      ADMIN_EMAIL: E2E_ADMIN.email,
      ADMIN_PASSWORD: E2E_ADMIN.password,
      BCRYPT_COST: "4",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
