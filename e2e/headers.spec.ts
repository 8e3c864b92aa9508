import { request as httpRequest } from "node:http";
import { expect, test, type APIResponse } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin } from "./support/server";

const NONCE_CSP = /script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/;
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

// A prefetch gets the same full HTML (link secret included) as a navigation, so it needs the same headers.
const PREFETCH_VARIANTS: [string, Record<string, string>][] = [
  ["plain", {}],
  ["Purpose: prefetch", { purpose: "prefetch" }],
  ["next-router-prefetch: 1", { "next-router-prefetch": "1" }],
];

/** A raw request with node:http: Playwright's and fetch's URL parsing would turn %ZZ into %25ZZ. */
function raw(baseURL: string, method: string, path: string, headers: Record<string, string> = {}) {
  const { hostname, port } = new URL(baseURL);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

// One sign-in for the file: logins per (IP, email) are rate limited and other specs sign in too.
let adminCookie: Promise<string> | undefined;
const signInAdmin = (baseURL: string) => (adminCookie ??= apiLogin(baseURL, E2E_ADMIN.email, E2E_ADMIN.password));

function expectPageHeaders(res: APIResponse, what: string) {
  const h = res.headers();
  expect(h["content-type"], what).toContain("text/html");
  expect(h["content-security-policy"] ?? "(none)", what).toMatch(NONCE_CSP);
  expect(h["content-security-policy"] ?? "(none)", what).toContain("frame-ancestors 'none'");
}

test("onboarding and dashboard pages carry the CSP and their own headers, prefetch or not", async ({ request, baseURL }) => {
  const cookie = await signInAdmin(baseURL!);
  const email = `prefetch-${Date.now()}@example.com`;
  const invitation = await apiInvite(baseURL!, cookie, email);
  const link = new URL(invitation.url);

  for (const [what, headers] of PREFETCH_VARIANTS) {
    const res = await request.get(link.pathname + link.search, { headers, maxRedirects: 0 });
    expect(res.status(), what).toBe(200);
    expect(await res.text(), what).toContain(email); // the real page for a pending link
    expectPageHeaders(res, what);
    expect(res.headers()["referrer-policy"], what).toBe("no-referrer");
    expect(res.headers()["cache-control"], what).toBe("no-store");

    const dashboard = await request.get("/dashboard", { headers: { ...headers, cookie }, maxRedirects: 0 });
    expect(dashboard.status(), what).toBe(200);
    expectPageHeaders(dashboard, `dashboard, ${what}`);
  }
});

test("a page treats two session cookies as signed out", async ({ request, baseURL }) => {
  const cookie = await signInAdmin(baseURL!);
  const once = await request.get("/dashboard", { headers: { cookie }, maxRedirects: 0 });
  expect(once.status()).toBe(200);
  for (const twice of [`${cookie}; ${cookie}`, `session=planted; ${cookie}`]) {
    const res = await request.get("/dashboard", { headers: { cookie: twice }, maxRedirects: 0 });
    expect(res.status()).toBe(307);
    expect(res.headers()["location"]).toBe("/login?next=/dashboard");
    expect((await request.get("/api/me", { headers: { cookie: twice } })).status()).toBe(401);
  }
});

test("a malformed path is a 400 JSON error with the API security headers; a bad query is the route's own answer", async ({ baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const cases: [string, string, Record<string, string>][] = [
    ["PATCH", "/api/users/%ZZ", { origin, "content-type": "application/json" }],
    ["GET", "/api/users/%ZZ", {}],
    ["POST", "/api/invitations/%C3%28/revoke", { origin }],
    ["GET", "/dashboard/%ZZ", {}],
  ];
  for (const [method, path, headers] of cases) {
    const res = await raw(baseURL!, method, path, headers);
    const what = `${method} ${path}`;
    expect(res.status, what).toBe(400);
    expect(res.headers["content-type"], what).toContain("application/json");
    expect(JSON.parse(res.body), what).toEqual({ error: { code: "invalid_request", message: expect.stringMatching(/path is malformed/) } });
    expect(res.headers["cache-control"], what).toBe("no-store");
    expect(res.headers["x-content-type-options"], what).toBe("nosniff");
    expect(res.headers["content-security-policy"], what).toBe(API_CSP);
  }

  // A malformed query string reaches the app, which reads it leniently: 4xx JSON from the API ...
  const api = await raw(baseURL!, "GET", "/api/onboarding/get_token?token=%ZZ");
  expect(api.status).toBeGreaterThanOrEqual(400);
  expect(api.status).toBeLessThan(500);
  expect(JSON.parse(api.body).error.code).toBe("invitation_not_found");
  expect(api.headers["content-security-policy"]).toBe(API_CSP);
  // ... and the ordinary "not valid" page, with the page's headers.
  const page = await raw(baseURL!, "GET", "/onboarding?token=%ZZ");
  expect(page.status).toBe(200);
  expect(page.body).toContain("This invitation link is not valid");
  expect(page.headers["content-security-policy"]).toMatch(NONCE_CSP);
  expect(page.headers["referrer-policy"]).toBe("no-referrer");
  expect(page.headers["cache-control"]).toBe("no-store");
});

test("a method an API route does not implement (TRACE included) is 405 JSON with Allow; an unknown API path is 404 JSON", async ({ baseURL }) => {
  const origin = new URL(baseURL!).origin;
  for (const [method, path, allow] of [
    ["TRACE", "/api/me", "GET, HEAD, OPTIONS"],
    ["PUT", "/api/me", "GET, HEAD, OPTIONS"],
    ["GET", "/api/auth/login", "POST, OPTIONS"],
    ["TRACE", "/api/health", "GET, HEAD, OPTIONS"],
  ]) {
    const res = await raw(baseURL!, method, path, { origin });
    const what = `${method} ${path}`;
    expect(res.status, what).toBe(405);
    expect(res.headers.allow, what).toBe(allow);
    expect(JSON.parse(res.body), what).toEqual({ error: { code: "method_not_allowed", message: expect.any(String) } });
    expect(res.headers["content-security-policy"], what).toBe(API_CSP);
  }
  const trace = await raw(baseURL!, "TRACE", "/dashboard");
  expect([trace.status, trace.headers.allow]).toEqual([405, "GET, HEAD"]);
  const unknown = await raw(baseURL!, "GET", "/api/no-such-route");
  expect(unknown.status).toBe(404);
  expect(JSON.parse(unknown.body).error.code).toBe("not_found");
  // The implemented methods still reach the app.
  expect((await raw(baseURL!, "GET", "/api/health")).status).toBe(200);
  expect((await raw(baseURL!, "OPTIONS", "/api/auth/login")).status).toBeLessThan(300);
});
