import { afterAll, expect } from "vitest";
import { contractStore } from "./store";

// vitest setup file of the node project (vitest.config.ts): after each test file, every response a
// route handler returned during it must have matched the OpenAPI document (lib/api/testing/recorder.ts
// checks each one as it is returned; the route modules are wrapped by lib/api/testing/vitest-plugin.ts).
afterAll(() => {
  const { problems } = contractStore();
  const found = problems.splice(0);
  const report = found.map((p) => `${p.call}: ${p.problem}${p.test ? `  [${p.test}]` : ""}`).join("\n");
  expect(found, `responses that do not match GET /api/openapi.json (lib/api/operations.ts, lib/api/schemas.ts):\n${report}`).toEqual([]);
});
