import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { startServer } from "./support/server";

// Next passes a client-supplied X-Forwarded-For through; the custom server must not, or anyone
// could dodge a per-IP limit by inventing a new address per request.
async function probe(url: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    // A different unknown link each time, so only the per-IP limit (60 per 10 minutes) can apply.
    const res = await fetch(`${url}/api/onboarding/get_token?token=${randomBytes(32).toString("base64url")}`, {
      headers: { "x-forwarded-for": `10.${i % 250}.${(i * 7) % 250}.${(i * 13) % 250}` },
    });
    statuses.push(res.status);
  }
  return statuses;
}

test("a spoofed X-Forwarded-For does not escape the per-IP limit", async () => {
  test.setTimeout(180_000);
  const server = await startServer({ port: 3231, dataDir: ".data/e2e-ip-direct" });
  try {
    const statuses = await probe(server.url, 70);
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
  } finally {
    await server.stop();
  }
  // X-Forwarded-For from a loopback peer with TRUST_PROXY=0 looks like an unconfigured proxy: one
  // warning for 70 requests, naming the peer and the setting, never the header's (client-written) value.
  const warnings = server.output().split("\n").filter((line) => line.includes("Requests arrive through a proxy"));
  expect(warnings).toHaveLength(1);
  expect(JSON.parse(warnings[0])).toMatchObject({ level: 40, setting: "TRUST_PROXY" });
  expect(warnings[0]).toContain("X-Forwarded-For from 127.0.0.1) but TRUST_PROXY=0");
  expect(server.output()).not.toContain("10.1.7.13");
});

test("with TRUST_PROXY=1 the proxy's X-Forwarded-For entry is the client", async () => {
  test.setTimeout(180_000);
  const server = await startServer({ port: 3232, dataDir: ".data/e2e-ip-proxy", env: { TRUST_PROXY: "1" } });
  try {
    const statuses = await probe(server.url, 70);
    expect(statuses.every((s) => s === 404)).toBe(true);
  } finally {
    await server.stop();
  }
  expect(server.output()).not.toContain("Requests arrive through a proxy");
});
