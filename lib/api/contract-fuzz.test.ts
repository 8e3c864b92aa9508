// What an API fuzzer pointed at GET /api/openapi.json would do, in process: for every documented
// operation, malformed inputs (wrong types, missing and extra fields, huge strings, wrong content
// types, bad JSON, bad path ids, bad and repeated query values, no Origin, a junk bearer token), sent
// as an anonymous caller and as an admin. Every answer must be a status the document lists for the
// operation, with a body its schema accepts (an error's code among those listed), and never a 5xx.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createUserWithSession, ORIGIN } from "@/lib/testing/api";
import { openApiDocument, type JsonSchema, type OperationObject } from "./openapi";
import { answerOf, contractProblems } from "./testing/contract";
import { servedOperations, type ServedOperation } from "./testing/routes";

const doc = openApiDocument();
const served = new Map((await servedOperations()).map((s) => [s.key, s]));

type Case = { label: string; id?: string; query?: string; body?: { raw: string | null; type: string | null }; headers?: Record<string, string> };

const HUGE = "x".repeat(20_000);
const WRONG_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, "", " ", "x", HUGE, "\u0000\u202e", "nul\u0000@example.com", "\ud800@example.com", "🙂".repeat(300), [], [1, "a"], {}, { nested: { deep: [null] } }];
const QUERY_VALUES = ["", " ", "-1", "0", "1.5", "1e2", "101", "999999", "null", "[]", "%", "%ZZ", "\\", "_", "ÿ", "🙂", "a\u0000b", "x".repeat(3000), "2026-13-45T99:99:99Z", "0000-01-01", "invitation.", "."];
const IDS = ["not-a-uuid", "0", "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF", "x".repeat(2000), "../../etc/passwd", "ÿ", " ", "%ZZ"];

function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  return typeof ref === "string" ? (doc.components.schemas[ref.replace("#/components/schemas/", "")] ?? {}) : schema;
}

const json = (value: unknown) => ({ raw: JSON.stringify(value), type: "application/json" });

function casesFor(op: OperationObject, method: string): Case[] {
  const cases: Case[] = [];
  const params = op.parameters ?? [];
  const hasId = params.some((p) => p.in === "path");
  const queryNames = params.filter((p) => p.in === "query").map((p) => String(p.name));

  if (hasId) for (const id of IDS) cases.push({ label: `id ${JSON.stringify(id.slice(0, 40))}`, id });

  if (queryNames.length) {
    for (const name of queryNames) {
      for (const value of QUERY_VALUES) cases.push({ label: `?${name}=${JSON.stringify(value.slice(0, 30))}`, query: new URLSearchParams({ [name]: value }).toString() });
      cases.push({ label: `?${name} twice`, query: `${name}=abc&${name}=def` });
    }
    cases.push({ label: "unknown parameter", query: "zzz=1" });
    cases.push({ label: "every parameter huge", query: new URLSearchParams(queryNames.map((n) => [n, "y".repeat(5000)])).toString() });
  }

  if (method !== "GET") {
    cases.push({ label: "no Origin", headers: { origin: "" } });
    cases.push({ label: "foreign Origin", headers: { origin: "https://evil.example" } });
  }

  const bodySchema = op.requestBody?.content["application/json"]?.schema;
  if (bodySchema) {
    const properties = Object.keys((resolve(bodySchema).properties as Record<string, unknown> | undefined) ?? {});
    cases.push({ label: "no body, no content type", body: { raw: null, type: null } });
    cases.push({ label: "text/plain", body: { raw: '{"a":1}', type: "text/plain" } });
    cases.push({ label: "form", body: { raw: "a=1&b=2", type: "application/x-www-form-urlencoded" } });
    cases.push({ label: "json with parameters", body: { raw: "{}", type: "application/json; charset=utf-8" } });
    cases.push({ label: "invalid JSON", body: { raw: "{", type: "application/json" } });
    cases.push({ label: "empty body", body: { raw: "", type: "application/json" } });
    cases.push({ label: "over the cap", body: json({ pad: "p".repeat(170 * 1024) }) });
    for (const value of [null, [], "text", 0, true, {}]) cases.push({ label: `body ${JSON.stringify(value)}`, body: json(value) });
    cases.push({ label: "extra field", body: json({ ...Object.fromEntries(properties.map((p) => [p, "x"])), extra: 1 }) });
    for (const prop of properties) {
      for (const value of WRONG_VALUES) cases.push({ label: `${prop}: ${JSON.stringify(value)?.slice(0, 30)}`, body: json({ [prop]: value }) });
    }
    cases.push({ label: "every field huge", body: json(Object.fromEntries(properties.map((p) => [p, HUGE.slice(0, 4000)]))) });
  } else if (method !== "GET") {
    cases.push({ label: "an unexpected body", body: json({ junk: HUGE.slice(0, 1000) }) });
  }

  if (op.security.some((s) => "onboardingToken" in s)) {
    for (const auth of ["Bearer junk", "Basic abc", "Bearer ", `Bearer ${HUGE}`, "Bearer a.b.c"]) {
      cases.push({ label: `Authorization: ${auth.slice(0, 20)}`, headers: { authorization: auth }, body: json({ token: "t".repeat(40), password: "Velvet-Harbor-1234-Quartz!" }) });
    }
  }
  if (!cases.length) cases.push({ label: "plain call" });
  return cases;
}

function requestFor(path: string, method: string, c: Case, cookie: string | undefined): { request: Request; params: Record<string, string> } {
  const id = c.id ?? randomUUID();
  const url = new URL(path.replace("{id}", encodeURIComponent(id)), ORIGIN);
  if (c.query) url.search = c.query;
  const headers = new Headers({ "x-forwarded-for": `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}` });
  if (method !== "GET") headers.set("origin", ORIGIN);
  for (const [k, v] of Object.entries(c.headers ?? {})) {
    if (v === "") headers.delete(k);
    else headers.set(k, v);
  }
  if (cookie) headers.set("cookie", cookie);
  if (c.body?.type) headers.set("content-type", c.body.type);
  const body = method === "GET" ? undefined : (c.body?.raw ?? undefined);
  return { request: new Request(url, { method, headers, body }), params: path.includes("{id}") ? { id } : {} };
}

async function check(s: ServedOperation, c: Case | Omit<Case, "label">, cookie: string | undefined): Promise<string[]> {
  const { request, params } = requestFor(s.path, s.method, { label: "", ...c }, cookie);
  const res = await s.handler(request, { params: Promise.resolve(params) });
  const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
  const answer = await answerOf(res, { readBody: isJson || res.status === 204 });
  if (!isJson) await res.body?.cancel().catch(() => {});
  const problems = contractProblems(s.method, s.path, answer);
  if (res.status >= 500) problems.push(`a ${res.status}: ${answer.body.slice(0, 200)}`);
  return problems;
}

/** A fast-check input for the operation: any JSON body, any query, any id. */
function arbitraryCase(op: OperationObject, method: string): fc.Arbitrary<Omit<Case, "label">> {
  const queryNames = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => String(p.name));
  const hasBody = Boolean(op.requestBody) || method !== "GET";
  const bodyProps = op.requestBody ? Object.keys((resolve(op.requestBody.content["application/json"].schema).properties as object | undefined) ?? {}) : [];
  return fc.record({
    id: fc.oneof(fc.uuid(), fc.string({ maxLength: 50 })),
    query: queryNames.length
      ? fc.dictionary(fc.constantFrom(...queryNames, "other"), fc.string({ unit: "grapheme", maxLength: 300 }), { maxKeys: 4 }).map((d) => new URLSearchParams(d).toString())
      : fc.constant(undefined),
    body: hasBody
      ? fc
          .oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom(...(bodyProps.length ? bodyProps : ["x"]), "extra"), fc.jsonValue({ maxDepth: 2 })))
          .map((value) => json(value))
      : fc.constant(undefined),
  });
}

describe("every documented operation answers malformed input with a documented status and body, never a 5xx", () => {
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, method: m.toUpperCase(), op })));

  it("covers every operation the route files serve", () => {
    expect(operations.map((o) => o.key).sort()).toEqual([...served.keys()].sort());
  });

  it.each(operations.map((o) => [o.key, o] as const))("%s", async (key, { method, op }) => {
    const s = served.get(key)!;
    // A fresh admin for each operation: a sign-out or password change here ends only this session.
    const admin = await createUserWithSession("admin");
    const failures: string[] = [];
    for (const [caller, cookie] of [["anonymous", undefined], ["admin", admin.cookie]] as const) {
      for (const c of casesFor(op, method)) {
        for (const problem of await check(s, c, cookie)) failures.push(`${caller}, ${c.label}: ${problem}`);
      }
      await fc.assert(
        fc.asyncProperty(arbitraryCase(op, method), async (c) => {
          const problems = await check(s, c, cookie);
          if (problems.length) failures.push(`${caller}, fast-check ${JSON.stringify(c).slice(0, 200)}: ${problems.join("; ")}`);
          return true;
        }),
        { numRuns: 15 },
      );
    }
    expect(failures).toEqual([]);
  });
});
