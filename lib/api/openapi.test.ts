// The OpenAPI document (GET /api/openapi.json) against the OpenAPI 3.1 schema, against the route files
// (every route.ts method documented, every documented operation served), and its checks against
// themselves: the contract checker that every route test's responses pass through must catch what it
// is there to catch.
import fs from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { ACCESS, REAUTH, type GuardedRoute } from "@/lib/authz";
import { errorStatus, type ErrorCode } from "@/lib/errors";
import { GET as getOpenApi } from "@/app/api/openapi.json/route";
import { buildOpenApiDocument, openApiDocument, type OpenApiDocument } from "./openapi";
import { errorCodes, OPERATIONS, routeKeyOf, type OperationKey } from "./operations";
import { contractProblems } from "./testing/contract";
import { servedOperations } from "./testing/routes";
import { contractStore } from "./testing/store";
import { routePattern, wrapRouteModule } from "./testing/vitest-plugin.mjs";

const ROOT = process.cwd();

function documentedOperations(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

/** Every `$ref` anywhere in `value`. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, found);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!at || typeof at !== "object" || !(key in at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

const doc = openApiDocument();

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document (the official schema, with @seriousme/openapi-schema-validator)", async () => {
    const result = await new Validator().validate(JSON.parse(JSON.stringify(doc)));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it("every $ref resolves, every operation has responses and a unique operationId, every path parameter is declared", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((r) => resolve(doc, r) === undefined)).toEqual([]);
    const ids = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      const params = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses).length, `${method} ${p}`).toBeGreaterThan(0);
        expect(Object.keys(op.responses).some((s) => s.startsWith("2")), `${method} ${p} has a success`).toBe(true);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        const declared = (op.parameters ?? []).filter((x) => x.in === "path").map((x) => x.name);
        expect(declared, `${method} ${p}`).toEqual(params);
      }
    }
  });

  it("is served at GET /api/openapi.json, anonymously, built once", async () => {
    const res = await getOpenApi(new Request("http://localhost:3000/api/openapi.json"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(openApiDocument()).toBe(doc);
    expect(ACCESS["GET /api/openapi.json"]).toBe("anonymous");
  });

  it("names the session cookie and the onboarding bearer token as security schemes, and uses them", () => {
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "session" });
    expect(doc.components.securitySchemes.onboardingToken).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    expect(doc.paths["/api/onboarding/claim_token"].post.security).toEqual([{ onboardingToken: [] }]);
    expect(doc.paths["/api/users"].get.security).toEqual([{ sessionCookie: [] }]);
    expect(doc.paths["/api/auth/login"].post.security).toEqual([]);
  });

  it("says in words what its schemas cannot: PATCH /api/users/{id} needs role or disabled", () => {
    const patch = doc.paths["/api/users/{id}"].patch;
    expect(patch.description).toMatch(/`role` or `disabled`/);
    expect(doc.components.schemas.UserPatchBody).toMatchObject({ minProperties: 1, additionalProperties: false });
  });
});

describe("the document and the route files agree", () => {
  it("every exported method of every route.ts under app/api is documented, and every documented operation is served", async () => {
    const served = (await servedOperations()).map((s) => s.key);
    const documented = documentedOperations(doc);
    expect(served.length).toBeGreaterThanOrEqual(20);
    expect(
      served.filter((k) => !documented.includes(k)),
      "route methods missing from lib/api/operations.ts OPERATIONS",
    ).toEqual([]);
    expect(
      documented.filter((k) => !served.includes(k)),
      "documented operations no route file exports",
    ).toEqual([]);
    expect(Object.keys(OPERATIONS).sort()).toEqual(documented);
  });

  it("each operation's access and error codes follow lib/authz.ts (401 for member and admin routes, 403 forbidden for admin ones, reauth_required, csrf_rejected)", () => {
    for (const key of Object.keys(OPERATIONS) as OperationKey[]) {
      const routeKey = routeKeyOf(key);
      const access = ACCESS[routeKey];
      const codes = errorCodes(key);
      const op = doc.paths[key.split(" ")[1]][key.split(" ")[0].toLowerCase()];
      expect(op["x-access"], key).toBe(access);
      expect(codes.includes("unauthorized"), key).toBe(access !== "anonymous");
      expect(codes.includes("forbidden"), key).toBe(access === "admin");
      if (REAUTH.has(routeKey as GuardedRoute)) expect(codes, key).toContain("reauth_required");
      expect(codes.includes("csrf_rejected"), key).toBe(!key.startsWith("GET "));
      // Each status's enum and x-error-codes list exactly the codes of that status.
      for (const [status, response] of Object.entries(op.responses)) {
        const listed = response["x-error-codes"] ?? [];
        for (const code of listed) expect(errorStatus(code as ErrorCode), `${key} ${status} ${code}`).toBe(Number(status));
      }
      expect(Object.values(op.responses).flatMap((r) => r["x-error-codes"] ?? []).sort()).toEqual([...codes].sort());
    }
  });
});

describe("the contract check the route tests' responses go through", () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers: new Headers({ "content-type": "application/json", ...headers }),
    body: JSON.stringify(body),
  });

  it("passes a documented answer", () => {
    expect(contractProblems("GET", "/api/health", json(200, { status: "ok", db: "ok" }))).toEqual([]);
    expect(contractProblems("GET", "/api/me", json(401, { error: { code: "unauthorized", message: "Sign in." } }))).toEqual([]);
  });

  it("catches an undocumented status, an unlisted error code, a drifted body, a wrong content type and a missing Retry-After", () => {
    expect(contractProblems("GET", "/api/me", json(418, {})).join()).toMatch(/status 418 is not documented/);
    expect(contractProblems("GET", "/api/me", json(401, { error: { code: "invalid_credentials", message: "x" } })).join()).toMatch(/does not match/);
    expect(contractProblems("GET", "/api/health", json(200, { status: "ok", db: "ok", extra: 1 })).join()).toMatch(/additional/);
    expect(contractProblems("GET", "/api/health", { status: 200, headers: new Headers({ "content-type": "text/html" }), body: "<p>" }).join()).toMatch(/content type/);
    expect(contractProblems("POST", "/api/auth/logout", { status: 204, headers: new Headers(), body: "x" }).join()).toMatch(/without a body/);
    expect(contractProblems("POST", "/api/auth/login", json(429, { error: { code: "rate_limited", message: "x" } })).join()).toMatch(/Retry-After/);
    expect(contractProblems("GET", "/api/nope", json(200, {})).join()).toMatch(/not in the document/);
  });

  it("is wired into the route handlers the tests import (vitest.config.ts plugin)", async () => {
    const before = contractStore().checked;
    const res = await getOpenApi(new Request("http://localhost:3000/api/openapi.json"));
    expect(res.status).toBe(200);
    expect((await res.json()).openapi).toBe("3.1.0"); // the test still reads the body
    expect(contractStore().checked).toBe(before + 1);
  });

  it("the plugin renames exported handlers and exports wrapped ones, and maps folders to paths", () => {
    const code = 'export const GET = route(async () => x);\nexport async function POST() {}\nconst other = 1;\n';
    const out = wrapRouteModule(code, "/api/things/:id", "/r.ts")!;
    expect(out).toContain("const __route_GET = route(");
    expect(out).toContain("async function __route_POST()");
    expect(out).toContain('export const GET = __recorded("GET", "/api/things/:id", __route_GET);');
    expect(out).toContain('export const POST = __recorded("POST", "/api/things/:id", __route_POST);');
    expect(out.split("\n").slice(0, 3).join("\n")).toBe(code.split("\n").slice(0, 3).join("\n").replace("export const GET", "const __route_GET").replace("export async function POST", "async function __route_POST"));
    expect(routePattern("/r", "/r/app/api/users/[id]/reset/route.ts")).toBe("/api/users/:id/reset");
    expect(routePattern("/r", "/r/app/api/(group)/x/route.ts")).toBe("/api/x");
    expect(routePattern("/r", "/r/app/api/x/route.test.ts")).toBeNull();
    expect(routePattern("/r", "/r/lib/api/x/route.ts")).toBeNull();
  });

  it("builds the same document each time (nothing in it depends on a request)", () => {
    expect(JSON.stringify(buildOpenApiDocument())).toBe(JSON.stringify(doc));
  });
});
