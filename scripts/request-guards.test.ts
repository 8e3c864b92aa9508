import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERRORS, errorMessage } from "@/lib/errors";
import { pickLocale } from "@/lib/i18n/locales";
import { translate } from "@/lib/i18n/translate";
import {
  createPasswordGate,
  createProxyWarning,
  guardMessage,
  isPrivatePeer,
  MALFORMED_PATH_MESSAGE,
  malformedTarget,
  methodGuard,
  PROXY_WARNING_INTERVAL_MS,
  requestLocale,
  sendError,
  sendMalformed,
} from "./request-guards.mjs";

describe("malformedTarget", () => {
  it("refuses a path Next cannot decode (bad or truncated escapes, invalid UTF-8)", () => {
    for (const url of ["/api/users/%ZZ", "/api/users/%", "/api/users/%C3%28", "/api/users/%E0%A4%A", "/api/invitations/%ZZ/revoke", "/%ZZ?token=x"]) {
      expect(malformedTarget(url), url).toMatch(/path is malformed/);
    }
  });

  it("refuses a target that is not an absolute path (asterisk and absolute forms)", () => {
    for (const url of ["*", "http://evil.example/dashboard", "", undefined]) {
      expect(malformedTarget(url), String(url)).toMatch(/path is malformed/);
    }
  });

  it("passes well-formed paths and leaves the query string to the app", () => {
    for (const url of ["/", "/api/users/0b5e8c1a-1d2f-4c55-9a3e-4f1b2c3d4e5f", "/api/users/%2F", "/caf%C3%A9", "/onboarding?token=%ZZ", "/api/onboarding/get_token?token=%", "//x"]) {
      expect(malformedTarget(url), url).toBeNull();
    }
  });
});

/** A raw request with node:http, which sends the path as given (fetch would turn %ZZ into %25ZZ). */
function sendTo(port: number, path: string, method: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// The guard wired as scripts/server.mjs wires it, in front of a handler standing in for Next.
describe("malformedTarget + sendMalformed in a Node server", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const malformed = malformedTarget(req.url);
      if (malformed) return sendMalformed(res, malformed);
      res.end("next");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (path: string, method = "GET") => sendTo(port, path, method);

  it("answers 400 invalid_request JSON with the API security headers", async () => {
    const res = await send("/api/users/%ZZ", "PATCH");
    expect(res.status).toBe(400);
    expect(ERRORS.invalid_request).toBe(400); // the code exists and means 400 in lib/errors.ts
    expect(JSON.parse(res.body)).toEqual({ error: { code: "invalid_request", message: MALFORMED_PATH_MESSAGE } });
    expect(MALFORMED_PATH_MESSAGE).toMatch(/path is malformed/);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it("hands well-formed requests on, a bad query string included", async () => {
    expect((await send("/api/users/abc")).body).toBe("next");
    expect((await send("/onboarding?token=%ZZ")).body).toBe("next");
    expect((await send("*", "OPTIONS")).status).toBe(400);
  });

  it("answers in the request's language: the locale cookie, else Accept-Language", async () => {
    const german = await sendTo(port, "/api/users/%ZZ", "GET", { "accept-language": "de-DE,de;q=0.9" });
    expect(JSON.parse(german.body)).toEqual({ error: { code: "invalid_request", message: translate("de", "api.malformed_path") } });
    expect(translate("de", "api.malformed_path")).toMatch(/Pfad der Anfrage ist fehlerhaft/);
    const chosen = await sendTo(port, "/api/users/%ZZ", "GET", { "accept-language": "de", cookie: "locale=en" });
    expect(JSON.parse(chosen.body).error.message).toBe(MALFORMED_PATH_MESSAGE);
  });
});

describe("the guards' language (the same rules as lib/i18n/locales.ts)", () => {
  const headers: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    [undefined, "de"],
    [undefined, "de-CH,de;q=0.9,en;q=0.8"],
    [undefined, "en-US,en;q=0.9,de;q=0.8"],
    [undefined, "fr-FR,fr;q=0.9,de;q=0.7,en;q=0.5"],
    [undefined, "en;q=0.5,de;q=0.9"],
    [undefined, "DE-at"],
    [undefined, "de;q=0"],
    [undefined, "fr, it"],
    [undefined, "*"],
    ["locale=de", "en"],
    ["a=1; locale=en", "de"],
    ["locale=xx", "de"],
    ["locale=de; locale=en", "de"],
    ["other=de", undefined],
  ];

  it.each(headers)("cookie %j, Accept-Language %j", (cookie, accept) => {
    const h: Record<string, string> = {};
    if (cookie !== undefined) h.cookie = cookie;
    if (accept !== undefined) h["accept-language"] = accept;
    expect(requestLocale(h)).toBe(pickLocale(cookie, accept));
  });

  it("reads the app's own messages, English for an unknown language or key", () => {
    expect(guardMessage("errors.not_found", "de")).toBe(errorMessage("not_found", "de"));
    expect(guardMessage("errors.method_not_allowed", "en")).toBe(errorMessage("method_not_allowed"));
    expect(guardMessage("errors.not_found", "xx")).toBe(errorMessage("not_found"));
    expect(guardMessage("errors.no_such_key", "de")).toBe("errors.no_such_key");
    expect(MALFORMED_PATH_MESSAGE).toBe(translate("en", "api.malformed_path"));
  });

  it("methodGuard says it in the language of the headers it is given (English without)", () => {
    expect(methodGuard("GET", "/api/nope")).toMatchObject({ status: 404, code: "not_found", message: errorMessage("not_found") });
    expect(methodGuard("PUT", "/api/me", { "accept-language": "de" })).toMatchObject({ status: 405, message: errorMessage("method_not_allowed", "de") });
  });
});

describe("isPrivatePeer", () => {
  it("is true for loopback, private and link-local addresses, IPv4-mapped forms included", () => {
    for (const ip of ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "::ffff:127.0.0.1", "::ffff:10.0.0.5", "::FFFF:192.168.0.9", "::ffff:7f00:1"]) {
      expect(isPrivatePeer(ip), ip).toBe(true);
    }
  });

  it("is false for public addresses and non-addresses", () => {
    for (const ip of ["8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "11.0.0.1", "2001:db8::1", "fec0::1", "::ffff:8.8.8.8", "", "localhost", undefined]) {
      expect(isPrivatePeer(ip), String(ip)).toBe(false);
    }
  });
});

describe("createProxyWarning", () => {
  function setup(trustProxy = 0) {
    let t = 1_000_000;
    const warnings: string[] = [];
    const check = createProxyWarning({ trustProxy, now: () => t, warn: (m: string) => warnings.push(m) });
    return { check, warnings, advance: (ms: number) => (t += ms) };
  }

  it("warns once, names TRUST_PROXY and the peer, not again within the hour, again after it", () => {
    const { check, warnings, advance } = setup();
    check("::ffff:127.0.0.1", true);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      "Requests arrive through a proxy (X-Forwarded-For from 127.0.0.1) but TRUST_PROXY=0: every client shares the proxy's address for rate limits. Set TRUST_PROXY to the number of proxy hops.",
    );
    check("10.0.0.2", true);
    advance(PROXY_WARNING_INTERVAL_MS - 1);
    check("127.0.0.1", true);
    expect(warnings).toHaveLength(1);
    advance(1);
    check("192.168.0.7", true);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain("from 192.168.0.7");
  });

  it("never warns for a public peer, without the header, or when TRUST_PROXY > 0", () => {
    const direct = setup();
    direct.check("203.0.113.9", true);
    direct.check("2001:db8::1", true);
    direct.check("127.0.0.1", false);
    direct.check(undefined as unknown as string, true);
    expect(direct.warnings).toEqual([]);
    const trusted = setup(1);
    trusted.check("127.0.0.1", true);
    expect(trusted.warnings).toEqual([]);
  });
});

// The method guard wired as scripts/server.mjs wires it (after the path check), in front of a stand-in for Next.
describe("methodGuard + sendError in a Node server", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const refused = methodGuard(req.method, req.url ?? "/");
      if (refused) return sendError(res, refused);
      res.end("next");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (path: string, method: string, headers?: Record<string, string>) => sendTo(port, path, method, headers);

  it("a method the API route does not implement, TRACE included, is 405 method_not_allowed JSON with Allow", async () => {
    for (const [method, path, allow] of [
      ["TRACE", "/api/me", "GET, HEAD, OPTIONS"],
      ["PUT", "/api/me", "GET, HEAD, OPTIONS"],
      ["DELETE", "/api/invitations?status=pending", "GET, POST, HEAD, OPTIONS"],
      ["GET", "/api/users/0b5e8c1a-1d2f-4c55-9a3e-4f1b2c3d4e5f", "DELETE, PATCH, OPTIONS"],
      ["PROPFIND", "/api/health", "GET, HEAD, OPTIONS"],
    ]) {
      const res = await send(path, method);
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(JSON.parse(res.body)).toEqual({ error: { code: "method_not_allowed", message: errorMessage("method_not_allowed") } });
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.headers["cache-control"]).toBe("no-store");
    }
    // HEAD: the same status and Allow, no body.
    const head = await send("/api/auth/login", "HEAD");
    expect([head.status, head.headers.allow, head.body]).toEqual([405, "POST, OPTIONS", ""]);
  });

  it("an unknown API path is 404 not_found JSON; a page asked with TRACE is 405 with Allow: GET, HEAD", async () => {
    for (const path of ["/api", "/api/nope", "/api/users/x/y/z"]) {
      const res = await send(path, "GET");
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: { code: "not_found", message: errorMessage("not_found") } });
    }
    const trace = await send("/dashboard", "TRACE");
    expect([trace.status, trace.headers.allow]).toEqual([405, "GET, HEAD"]);
  });

  it("answers 404 and 405 in the request's language (the locale cookie, else Accept-Language), with the same code and status", async () => {
    const notFound = await send("/api/nope", "GET", { "accept-language": "de-DE,de;q=0.9,en;q=0.5" });
    expect([notFound.status, JSON.parse(notFound.body)]).toEqual([404, { error: { code: "not_found", message: errorMessage("not_found", "de") } }]);
    expect(errorMessage("not_found", "de")).toBe("Nicht gefunden.");
    const notAllowed = await send("/api/me", "PUT", { cookie: "locale=de", "accept-language": "en" });
    expect([notAllowed.status, notAllowed.headers.allow]).toEqual([405, "GET, HEAD, OPTIONS"]);
    expect(JSON.parse(notAllowed.body).error).toEqual({ code: "method_not_allowed", message: errorMessage("method_not_allowed", "de") });
    const english = await send("/api/nope", "GET", { cookie: "locale=en", "accept-language": "de" });
    expect(JSON.parse(english.body).error.message).toBe(errorMessage("not_found"));
  });

  it("hands implemented methods (and OPTIONS, HEAD of a GET route, every usual method on pages) to Next", async () => {
    for (const [method, path] of [
      ["GET", "/api/me"],
      ["HEAD", "/api/health"],
      ["OPTIONS", "/api/auth/login"],
      ["POST", "/api/auth/forgot"],
      ["PATCH", "/api/users/abc"],
      ["GET", "/dashboard"],
      ["POST", "/login"],
    ]) {
      const res = await send(path, method);
      expect(res.status, `${method} ${path}`).toBe(200);
      if (method !== "HEAD") expect(res.body).toBe("next");
    }
  });
});

// The password routes' door, wired as scripts/server.mjs wires it, in front of a handler standing in
// for Next that holds each password request until the test lets it go.
describe("createPasswordGate in a Node server", () => {
  let server: Server;
  let port: number;
  const held: Array<() => void> = [];
  const entered: string[] = [];
  const gate = createPasswordGate({ limit: 2, queueMax: 2 });
  beforeAll(async () => {
    server = createServer((req, res) =>
      gate.admit(req, res, () => {
        entered.push(`${req.method} ${req.url}`);
        if (req.url?.startsWith("/api/health")) return res.end("health");
        held.push(() => res.end("done"));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };

  it("lets `limit` password requests in, queues `queueMax` in order, refuses the rest with 503 server_busy at once, and never holds up other routes", async () => {
    const answers = ["a", "b", "c", "d"].map((n) => sendTo(port, `/api/onboarding/claim_token?n=${n}`, "POST"));
    await until(() => entered.length === 2 && gate.stats().waiting === 2);
    const refused = await sendTo(port, "/api/auth/login", "POST", { "accept-language": "de" });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body)).toEqual({ error: { code: "server_busy", message: errorMessage("server_busy", "de") } });
    // Another route passes while the door is full.
    expect((await sendTo(port, "/api/health", "GET")).body).toBe("health");
    expect(entered.filter((e) => e.includes("claim_token"))).toEqual(["POST /api/onboarding/claim_token?n=a", "POST /api/onboarding/claim_token?n=b"]);
    held.shift()!();
    await until(() => entered.includes("POST /api/onboarding/claim_token?n=c"));
    expect(entered).not.toContain("POST /api/onboarding/claim_token?n=d");
    while (entered.filter((e) => e.includes("claim_token")).length < 4 || held.length) {
      held.shift()?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await Promise.all(answers)).map((a) => a.body)).toEqual(["done", "done", "done", "done"]);
    expect(gate.stats()).toEqual({ active: 0, waiting: 0 });
  });

  it("drops a waiting request whose client went away", async () => {
    const first = [sendTo(port, "/api/me/password", "POST"), sendTo(port, "/api/auth/reauth", "POST")];
    await until(() => gate.stats().active === 2);
    const gone = httpRequest({ host: "127.0.0.1", port, path: "/api/onboarding/claim_token", method: "POST" });
    gone.on("error", () => {});
    gone.end();
    await until(() => gate.stats().waiting === 1);
    gone.destroy();
    await until(() => gate.stats().waiting === 0);
    while (held.length) held.shift()!();
    await Promise.all(first);
    expect(gate.stats()).toEqual({ active: 0, waiting: 0 });
  });
});
