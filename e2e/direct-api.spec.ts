import { expect, test } from "@playwright/test";
import { apiInvite, apiLogin, startServer, type AppServer } from "./support/server";

// In production scripts/server.mjs answers the API by calling the route handlers of the build
// directly (scripts/direct-api.mjs), not through Next's request pipeline. Two servers from the same
// build, one direct (the default) and one with API_DIRECT=0, get the same requests: every answer
// must be the same (status, headers but the per-request ones, body, each with its own database, so
// ids and tokens differ and only the body's shape is compared there). Also: the direct server said
// so at startup, so a Next upgrade that hides the handlers fails this test instead of quietly
// falling back to the slower path.
const admin = { email: "admin@direct.test", password: "Juniper-Lantern-Orbit-82" };
// Compared apart (below): Content-Encoding, since Next gzips even a 25-byte answer and the direct
// path only from 1 KB; Vary, where Next also lists its page router's headers.
const PER_REQUEST = new Set(["date", "x-request-id", "keep-alive", "connection", "transfer-encoding", "content-length", "set-cookie", "content-encoding", "vary"]);

let direct: AppServer;
let viaNext: AppServer;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const env = { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, RATE_LIMITS: "off" };
  [direct, viaNext] = await Promise.all([
    startServer({ port: 3476, dataDir: ".data/e2e-direct-api", env }),
    startServer({ port: 3477, dataDir: ".data/e2e-direct-api-next", env: { ...env, API_DIRECT: "0" } }),
  ]);
});
test.afterAll(async () => {
  await Promise.all([direct?.stop(), viaNext?.stop()]);
});

type Answer = { status: number; headers: Record<string, string>; body: unknown; cookieNames: string[] };

async function ask(server: AppServer, method: string, path: string, init: { body?: string; headers?: Record<string, string>; cookie?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  if (headers.origin === "SELF") headers.origin = server.url;
  const res = await fetch(`${server.url}${path}`, { method, headers, body: init.body, redirect: "manual" }).catch((err: Error) => {
    throw new Error(`${method} ${path} on ${server === direct ? "the direct server" : "the server through Next"}: ${err.message} (${String((err.cause as Error)?.message)})`);
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : "";
  } catch {
    // not JSON: compared as text
  }
  const kept: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!PER_REQUEST.has(name)) kept[name] = value;
  });
  return { status: res.status, headers: kept, body, cookieNames: res.headers.getSetCookie().map((c) => c.split("=")[0]) };
}

/** The JSON's shape: keys and value types, not ids, tokens or times. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  if (typeof value === "string" && /^[0-9a-f-]{36}$|^\d{4}-\d\d-\d\dT|^ey|token=/.test(value)) return "<varies>";
  return value;
}

test("the API answers the same with its handlers called directly as through Next", async () => {
  test.setTimeout(120_000);
  expect(direct.output()).toContain("the API's handlers are called directly");
  expect(viaNext.output()).toContain("API_DIRECT=0");

  const [cookieDirect, cookieNext] = await Promise.all([apiLogin(direct.url, admin.email, admin.password), apiLogin(viaNext.url, admin.email, admin.password)]);
  const [inviteDirect, inviteNext] = await Promise.all([apiInvite(direct.url, cookieDirect, "new@direct.test"), apiInvite(viaNext.url, cookieNext, "new@direct.test")]);
  const secret = (invite: { url: string }) => new URL(invite.url).searchParams.get("token")!;
  const json = { "content-type": "application/json", origin: "SELF" };

  const cases: { name: string; method: string; path: (s: AppServer) => string; body?: string; headers?: Record<string, string>; signedIn?: boolean }[] = [
    { name: "health", method: "GET", path: () => "/api/health" },
    { name: "HEAD health", method: "HEAD", path: () => "/api/health" },
    { name: "OPTIONS a POST route", method: "OPTIONS", path: () => "/api/auth/login" },
    { name: "OPTIONS a dynamic route", method: "OPTIONS", path: () => "/api/users/x" },
    { name: "get_token with a live link", method: "GET", path: (s) => `/api/onboarding/get_token?token=${secret(s === direct ? inviteDirect : inviteNext)}` },
    { name: "get_token with an unknown link", method: "GET", path: () => "/api/onboarding/get_token?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
    { name: "get_token without a token, in German", method: "GET", path: () => "/api/onboarding/get_token", headers: { "accept-language": "de" } },
    { name: "me, signed out", method: "GET", path: () => "/api/me" },
    { name: "me, signed in", method: "GET", path: () => "/api/me", signedIn: true },
    { name: "invitations list", method: "GET", path: () => "/api/invitations?limit=5", signedIn: true },
    { name: "a list's bad query", method: "GET", path: () => "/api/users?limit=abc", signedIn: true },
    { name: "a user id that is not one", method: "PATCH", path: () => "/api/users/caf%C3%A9", body: JSON.stringify({ role: "admin" }), headers: json, signedIn: true },
    { name: "login without Origin", method: "POST", path: () => "/api/auth/login", body: JSON.stringify({ email: admin.email, password: "x" }), headers: { "content-type": "application/json" } },
    { name: "login with a wrong password", method: "POST", path: () => "/api/auth/login", body: JSON.stringify({ email: admin.email, password: "Wrong-Password-123456" }), headers: json },
    { name: "login with broken JSON", method: "POST", path: () => "/api/auth/login", body: "{", headers: json },
    { name: "login with text/plain", method: "POST", path: () => "/api/auth/login", body: "{}", headers: { "content-type": "text/plain", origin: "SELF" } },
    { name: "a body too large", method: "POST", path: () => "/api/auth/login", body: JSON.stringify({ email: "a".repeat(200_000) }), headers: json },
    { name: "claim with a forged onboarding token", method: "POST", path: () => "/api/onboarding/claim_token", body: JSON.stringify({ token: "x", password: "Some-Password-12345" }), headers: { ...json, authorization: "Bearer forged" } },
    { name: "the OpenAPI document", method: "GET", path: () => "/api/openapi.json" },
    { name: "a method the route lacks", method: "DELETE", path: () => "/api/health" },
    { name: "an unknown API path", method: "GET", path: () => "/api/nope" },
  ];

  for (const c of cases) {
    const [a, b] = await Promise.all(
      [direct, viaNext].map((s) =>
        ask(s, c.method, c.path(s), { body: c.body, headers: c.headers, cookie: c.signedIn ? (s === direct ? cookieDirect : cookieNext) : undefined }),
      ),
    );
    if (c.path(direct).startsWith("/api/onboarding/get_token?")) {
      // One difference, on purpose: get_token's own "Referrer-Policy: no-referrer" (the link secret
      // is in its URL). Through Next, next.config.ts's header rule overwrites it with the general
      // policy; called directly, the handler's own header wins, as the route means it to.
      expect(a.headers["referrer-policy"], c.name).toBe("no-referrer");
      expect(b.headers["referrer-policy"], c.name).toBe("strict-origin-when-cross-origin");
      b.headers["referrer-policy"] = "no-referrer";
    }
    expect({ status: a.status, headers: a.headers, cookies: a.cookieNames }, c.name).toEqual({ status: b.status, headers: b.headers, cookies: b.cookieNames });
    expect(shape(a.body), c.name).toEqual(shape(b.body));
  }
});

test("both gzip a large answer for a client that accepts it, and say Vary: Accept-Encoding", async () => {
  for (const s of [direct, viaNext]) {
    const big = await fetch(`${s.url}/api/openapi.json`, { headers: { "accept-encoding": "gzip" } });
    expect(big.headers.get("content-encoding"), s.url).toBe("gzip");
    expect(big.headers.get("vary"), s.url).toContain("Accept-Encoding");
    expect((await big.json()).openapi).toMatch(/^3\.1/);
    const plain = await fetch(`${s.url}/api/openapi.json`, { headers: { "accept-encoding": "identity" } });
    expect(plain.headers.get("content-encoding"), s.url).toBeNull();
  }
  const small = await fetch(`${direct.url}/api/health`, { headers: { "accept-encoding": "gzip" } });
  expect(small.headers.get("content-encoding")).toBeNull();
  expect(small.headers.get("content-length")).toBe(String((await small.text()).length));
});

test("a signed-in session made through one path is the same kind of cookie the other sets", async () => {
  // Set-Cookie attributes (not values) must match: HttpOnly, SameSite, Path, Max-Age.
  const attrs = async (s: AppServer) => {
    const res = await fetch(`${s.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: s.url },
      body: JSON.stringify(admin),
    });
    expect(res.status).toBe(200);
    return res.headers.getSetCookie().map((c) => c.split(";").slice(1).map((p) => p.trim()).sort());
  };
  // The two logins are made a moment apart, so Expires (and a Max-Age counted down to it) can
  // differ by a second: compare those as times, within 5 s, and every other attribute exactly.
  const split = (cookies: string[][]) => ({
    exact: cookies.map((c) => c.map((p) => p.replace(/^(Expires|Max-Age)=.*$/i, "$1"))),
    times: cookies.map((c) =>
      c.flatMap((p) => {
        const [k, v] = p.split("=");
        if (/^expires$/i.test(k)) return [Date.parse(v) / 1000];
        if (/^max-age$/i.test(k)) return [Number(v)];
        return [];
      }),
    ),
  });
  const a = split(await attrs(direct));
  const b = split(await attrs(viaNext));
  expect(a.exact).toEqual(b.exact);
  expect(a.times.flat().length).toBe(b.times.flat().length);
  a.times.flat().forEach((t, i) => expect(Math.abs(t - b.times.flat()[i])).toBeLessThanOrEqual(5));
});
