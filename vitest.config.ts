import path from "node:path";
import { defineConfig } from "vitest/config";
import { recordApiResponses } from "./lib/api/testing/vitest-plugin.mjs";

const root = path.dirname(new URL(import.meta.url).pathname);
const onPostgres = Boolean(process.env.DATABASE_URL);

export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "dom",
          environment: "jsdom",
          include: ["components/**/*.test.tsx", "app/**/*.test.tsx"],
          setupFiles: ["./vitest.setup-dom.ts"],
        },
      },
      {
        extends: true,
        // Every response a route handler returns in these tests is checked against the OpenAPI
        // document (lib/api/testing/): the plugin wraps the handlers, the setup file fails a test
        // file whose responses did not match.
        plugins: [recordApiResponses(root)],
        test: {
          name: "node",
          setupFiles: ["./lib/api/testing/setup.ts"],
          environment: "node",
          include: ["lib/**/*.test.ts", "db/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts"],
          env: {
            // Each test file gets its own in-memory PGlite unless DATABASE_URL points at Postgres.
            PGLITE_DIR: "memory://",
            BCRYPT_COST: process.env.BCRYPT_COST ?? "4",
            APP_URL: "http://localhost:3000",
            AUTH_SECRET: process.env.AUTH_SECRET ?? "test-secret-test-secret-test-secret-0123",
            LOG_LEVEL: "silent",
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Files share one Postgres database; on PGlite each has its own.
          fileParallelism: !onPostgres,
        },
      },
    ],
  },
});
