import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { checkOrigin, MAX_BODY_BYTES, readJson } from "./http";

function post(headers: Record<string, string>, body?: BodyInit) {
  return new Request("http://localhost:3000/api/x", { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

const originalAppUrl = process.env.APP_URL;
afterEach(() => {
  process.env.APP_URL = originalAppUrl;
});

describe("checkOrigin", () => {
  it("accepts the app's own origin and same-origin fetch metadata", () => {
    expect(checkOrigin(post({ origin: "http://localhost:3000" }))).toBeNull();
    expect(checkOrigin(post({ "sec-fetch-site": "same-origin" }))).toBeNull();
  });

  it("accepts a loopback name posting to itself (localhost vs 127.0.0.1 on a dev machine)", () => {
    expect(checkOrigin(post({ origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" }))).toBeNull();
  });

  it("accepts a loopback name only with the app's scheme and the request's own host and port", () => {
    expect(checkOrigin(post({ origin: "http://[::1]:3000", host: "[::1]:3000" }))).toBeNull();
    const mismatched: [string, string][] = [
      ["https://localhost:3000", "localhost:3000"], // the app is http: another scheme is another origin
      ["https://127.0.0.1:3000", "127.0.0.1:3000"],
      ["http://127.0.0.1:3001", "127.0.0.1:3000"], // another port
      ["http://127.0.0.1:3000", "localhost:3000"], // another host
      ["http://localhost", "localhost:80"], // an explicit default port is not the same Host
    ];
    for (const [origin, host] of mismatched) {
      expect(checkOrigin(post({ origin, host }))?.status, origin).toBe(403);
    }
  });

  it("takes the scheme from APP_URL: on an https app an http loopback Origin is refused", () => {
    process.env.APP_URL = "https://localhost:8443";
    expect(checkOrigin(post({ origin: "https://127.0.0.1:8443", host: "127.0.0.1:8443" }))).toBeNull();
    expect(checkOrigin(post({ origin: "http://127.0.0.1:8443", host: "127.0.0.1:8443" }))?.status).toBe(403);
    expect(checkOrigin(post({ origin: "http://localhost:8443", host: "localhost:8443" }))?.status).toBe(403);
  });

  it("refuses a DNS-rebound name even when its Host header matches", () => {
    const res = checkOrigin(post({ origin: "http://rebind.evil.test:3000", host: "rebind.evil.test:3000" }));
    expect(res?.status).toBe(403);
  });

  it("refuses other sites, 'null' and requests with neither Origin nor fetch metadata", () => {
    const hostile: Record<string, string>[] = [{ origin: "https://evil.example" }, { origin: "null" }, {}, { "sec-fetch-site": "cross-site" }];
    for (const headers of hostile) {
      expect(checkOrigin(post(headers))?.status).toBe(403);
    }
  });
});

describe("readJson", () => {
  const schema = z.object({ a: z.string() });

  it("refuses a body larger than the limit even without a Content-Length", async () => {
    const big = "x".repeat(MAX_BODY_BYTES + 1);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ a: big })));
        c.close();
      },
    });
    const parsed = await readJson(post({ "content-type": "application/json" }, stream), schema);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.response.status).toBe(413);
  });

  it("answers 415 for another content type and 400 for malformed JSON or a wrong shape", async () => {
    const text = await readJson(post({ "content-type": "text/plain" }, '{"a":"b"}'), schema);
    expect(!text.ok && text.response.status).toBe(415);
    const broken = await readJson(post({ "content-type": "application/json" }, '{"a":'), schema);
    expect(!broken.ok && broken.response.status).toBe(400);
    const shape = await readJson(post({ "content-type": "application/json; charset=utf-8" }, '{"a":1}'), schema);
    expect(!shape.ok && shape.response.status).toBe(400);
    const good = await readJson(post({ "content-type": "application/json" }, '{"a":"b"}'), schema);
    expect(good.ok && good.data).toEqual({ a: "b" });
  });
});
