// Adversarial: property-based fuzzing of every API route with fast-check (fixed seed).
//
// Each property sends generated *bad* input to one route and checks the answer:
//   - a 4xx, never a 5xx (logout, which always answers 204 to a same-origin POST, is the one
//     exception: there the property is "204 with a cleared cookie, or 403 for a bad origin");
//   - a JSON body of exactly {error:{code,message}}, the code one of lib/errors.ts with its status;
//   - no stack trace and no echo of any secret sent (password, link secret, JWT, cookie token);
//   - and no row of users, invitations or sessions changes (count + md5 of every row, per property
//     and over the whole run; audit_events and rate_limits may change and are left out).
// The generators only make input the server must refuse: e.g. every invitation body breaks at least
// one field, PATCH bodies sent for a real user are always invalid, passwords sent with a valid JWT
// and link secret always break the password policy. Rate limits are off so every input reaches the
// handler. Reproduce a failure with the seed and path fast-check prints.
import { randomInt, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { getDb } from "@/db";
import { checkPasswordPolicy } from "@/lib/password-strength";
import { ERRORS, errorMessage, type ErrorCode } from "@/lib/errors";
import { checkEmail } from "@/lib/email";
import { MAX_BULK_EMAILS, MAX_INVITATION_SECONDS } from "@/lib/invitations";
import { encodeCursor } from "@/lib/keyset";
import { rows } from "@/lib/rate-limit";
import { createUserWithSession, inviteUser, ORIGIN, request, strongPassword } from "@/lib/testing/api";
import { POST as login } from "../auth/login/route";
import { POST as logout } from "../auth/logout/route";
import { POST as reissue } from "../invitations/[id]/reissue/route";
import { POST as revoke } from "../invitations/[id]/revoke/route";
import { POST as bulkInvitationsRoute } from "../invitations/bulk/route";
import { GET as listInvitationsRoute, POST as createInvitationRoute } from "../invitations/route";
import { GET as meGet } from "../me/route";
import { POST as claim } from "../onboarding/claim_token/route";
import { GET as getToken } from "../onboarding/get_token/route";
import { POST as revokeOthers } from "../sessions/revoke_others/route";
import { GET as sessionsGet } from "../sessions/route";
import { PATCH as patchUser } from "../users/[id]/route";

const SEED = 424242;
const MIN_TOTAL_INPUTS = 5000;
/** Runs per property; the total is well above MIN_TOTAL_INPUTS so one property stopping early at a bug still leaves it met. */
const RUNS = {
  login: 1500,
  claimNoJwt: 1200,
  claimWithJwt: 1200,
  getToken: 1000,
  invitations: 1500,
  bulkInvitations: 300,
  listInvitations: 500,
  patchUser: 1200,
  revoke: 600,
  reissue: 600,
  logout: 800,
  me: 800,
  sessions: 400,
  revokeOthers: 400,
};

// ---------------------------------------------------------------------------------------------
// Fixture (created before rate limits go off and before the first checksum)
// ---------------------------------------------------------------------------------------------

type Fixture = {
  admin: Awaited<ReturnType<typeof createUserWithSession>>;
  member: Awaited<ReturnType<typeof createUserWithSession>>;
  pending: Awaited<ReturnType<typeof inviteUser>> & { jwt: string };
  acceptedInvitationId: string;
  acceptedSecret: string;
  revokedInvitationId: string;
  revokedSecret: string;
};
let fx: Fixture;

const counts: Record<string, number> = {};
/** Per property, how often each answer ("413 payload_too_large", "204") came back: proof the inputs reach deep. */
const tally: Record<string, Record<string, number>> = {};
let current = "";
function record(outcome: string) {
  const t = (tally[current] ??= {});
  t[outcome] = (t[outcome] ?? 0) + 1;
}
let initialChecksum: string;
let savedRateLimits: string | undefined;

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

async function checksum(): Promise<string> {
  const db = await getDb();
  const parts: string[] = [];
  for (const table of ["users", "invitations", "sessions"]) {
    const [r] = rows<{ n: number; h: string | null }>(
      await db.execute(sql.raw(`select count(*)::int as n, md5(coalesce(string_agg(t::text, ',' order by t.id), '')) as h from ${table} t`)),
    );
    parts.push(`${table}:${r.n}:${r.h}`);
  }
  return parts.join(" ");
}

const errorShape = z
  .object({ error: z.object({ code: z.string(), message: z.string() }).strict() })
  .strict();

const STACK_MARKERS = ["    at ", ".ts:", "node_modules", "Error:", "Failed query"];
const FIXED_MESSAGES = (Object.keys(ERRORS) as ErrorCode[]).map((code) => errorMessage(code));

/** A secret is "echoed" if it shows up in the body, raw or JSON-escaped. Short ones are too ambiguous to check. */
function echoedSecret(text: string, message: string, secrets: unknown[]): string | null {
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < 10) continue;
    if (FIXED_MESSAGES.some((m) => m.includes(s))) continue;
    const escaped = JSON.stringify(s).slice(1, -1);
    if (message.includes(s) || text.includes(s) || text.includes(escaped)) return s;
  }
  return null;
}

/** The universal property: a 4xx with exactly the error shape, no stack, no secret. Throws with a readable reason. */
async function expectCleanError(res: Response, secrets: unknown[] = [], allowed?: (status: number, code: string) => boolean) {
  const text = await res.text();
  if (res.status < 400 || res.status >= 500) throw new Error(`status ${res.status} (expected 4xx); body: ${text.slice(0, 300)}`);
  if (!(res.headers.get("content-type") ?? "").startsWith("application/json")) throw new Error(`content-type ${res.headers.get("content-type")}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`body is not JSON: ${text.slice(0, 300)}`);
  }
  const shape = errorShape.safeParse(parsed);
  if (!shape.success) throw new Error(`body is not {error:{code,message}}: ${text.slice(0, 300)}`);
  const { code, message } = shape.data.error;
  record(`${res.status} ${code}`);
  const known = (ERRORS as Record<string, number>)[code];
  if (!known) throw new Error(`unknown error code ${code}`);
  if (known !== res.status) throw new Error(`code ${code} sent with status ${res.status}, expected ${known}`);
  if (message.length === 0) throw new Error("empty message");
  for (const marker of STACK_MARKERS) if (message.includes(marker) || text.includes(marker)) throw new Error(`stack/internals in body (${JSON.stringify(marker)}): ${text.slice(0, 300)}`);
  const echoed = echoedSecret(text, message, secrets);
  if (echoed !== null) throw new Error(`secret echoed in body: ${JSON.stringify(echoed.slice(0, 60))}`);
  if (res.headers.get("set-cookie")) throw new Error(`unexpected Set-Cookie on an error: ${res.headers.get("set-cookie")}`);
  if (allowed && !allowed(res.status, code)) throw new Error(`unexpected ${res.status} ${code}: ${message}`);
}

/**
 * Runs one property with the fixed seed, counts every executed input, checks no row changed over it,
 * and that every answer in `mustReach` came back at least once (so the generators do reach past the
 * first checks: a degenerate generator fails here).
 */
async function fuzz<T>(name: keyof typeof RUNS, arb: fc.Arbitrary<T>, predicate: (input: T) => Promise<void>, mustReach: string[]) {
  const before = await checksum();
  counts[name] = 0;
  current = name;
  try {
    await fc.assert(
      fc.asyncProperty(arb, async (input) => {
        counts[name]++;
        await predicate(input);
      }),
      { seed: SEED, numRuns: RUNS[name], verbose: 1, endOnFailure: false },
    );
  } catch (err) {
    throw new Error(`[fuzz ${name}, seed ${SEED}] ${(err as Error).message}`);
  }
  expect(await checksum(), `[fuzz ${name}, seed ${SEED}] users/invitations/sessions changed`).toBe(before);
  const reached = tally[name] ?? {};
  for (const outcome of mustReach) expect(reached[outcome] ?? 0, `[fuzz ${name}, seed ${SEED}] never answered ${outcome}: ${JSON.stringify(reached)}`).toBeGreaterThan(0);
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const IP = "198.51.100.201";

/** A body as sent on the wire: JSON text, raw text, bytes (then no Content-Type is added by fetch), or nothing. */
type Body =
  | { kind: "json"; value: unknown }
  | { kind: "text"; text: string }
  | { kind: "bytes"; text: string }
  | { kind: "none" };

type Envelope = { body: Body; contentType: string | null; contentLength?: string };

function buildRequest(path: string, method: string, env: Envelope, headers: Record<string, string> = {}): Request {
  const h = new Headers(headers);
  if (env.contentType !== null) h.set("content-type", env.contentType);
  if (env.contentLength !== undefined) h.set("content-length", env.contentLength);
  h.set("x-forwarded-for", IP);
  let body: BodyInit | undefined;
  if (env.body.kind === "json") body = JSON.stringify(env.body.value) ?? "";
  else if (env.body.kind === "text") body = env.body.text;
  else if (env.body.kind === "bytes") body = new TextEncoder().encode(env.body.text);
  return new Request(new URL(path, ORIGIN), { method, headers: h, body });
}

/** An id as it could appear in a URL (lone surrogates made well-formed first, or encoding throws). */
function safeUrlPath(segment: string): string {
  return encodeURIComponent(segment.toWellFormed()).slice(0, 2000);
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const LONE_SURROGATES = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF", "a\uD83D", "\uDE00b"];
const SPECIAL = [
  "\u0000",
  "a\u0000b",
  "\u202E",
  "\u202Egnp.exe",
  "\u200D",
  "\u200B",
  "\uFEFF",
  "\u2028\u2029",
  "👩‍👩‍👧‍👦",
  "👍🏽",
  "𝕏𝕐",
  "é",
  "e\u0301",
  "İıß",
  "\u0085",
  "\u00A0",
  "\\",
  '"',
  "'; drop table users; --",
  "${jndi:ldap://x}",
  "<script>alert(1)</script>",
  "%00",
  "../../etc/passwd",
  "null",
  "undefined",
  "NaN",
  "[object Object]",
];
const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "__defineGetter__", "isAdmin", "role"];

/** Strings a careless server might choke on: unicode of every kind, lone surrogates, NUL, RTL, emoji, huge. */
const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.constantFrom(...LONE_SURROGATES, ...SPECIAL) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...LONE_SURROGATES, ...SPECIAL), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 8 })
      .map((parts) => parts.join("")),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 257, max: 20_000 }), fc.constantFrom("a", "é", "👍", "\u0000", "\uD800", "x\u0301", " "))
      .map(([n, c]) => c.repeat(Math.ceil(n / c.length))),
  },
);

/** Anything but a string. */
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(fc.integer(), fc.string({ maxLength: 6 })), { maxKeys: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"admin":true}}') as unknown),
  fc.constant({ $ne: null }),
  fc.constant({ toString: "x" }),
  fc.integer({ min: 1, max: 60 }).map((d) => JSON.parse("[".repeat(d) + "]".repeat(d)) as unknown),
);

/** A JSON text that nests deeper than anyone needs, a la billion laughs (but small). */
const deepJson = fc.integer({ min: 100, max: 5000 }).chain((d) =>
  fc.constantFrom('{"a":'.repeat(d) + "1" + "}".repeat(d), "[".repeat(d) + "]".repeat(d), '{"email":' + "[".repeat(d) + "]".repeat(d) + "}"),
);

/** Text that is not JSON (or not what the route wants at the top level). */
const malformedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[",
    "{}}",
    "{,}",
    '{"email":',
    '{"email":"a@b.example" "password":"x"}',
    '{"email":"a@b.example",}',
    "{'email':'a@b.example'}",
    "{email:1}",
    "NaN",
    "Infinity",
    "undefined",
    "nul",
    "tru",
    "\u0000",
    "\uFEFF{",
    '{"a":1}garbage',
    '{"__proto__":',
    '{"email":"\\ud800',
    '{"email":"\\u00"}',
    '"\\x41"',
    "0x10",
    "01",
    "1e99999",
    "-",
    "/* c */ {}",
    "email=a%40b.example&password=x",
    "--boundary\r\nContent-Disposition: form-data\r\n\r\nx\r\n--boundary--",
  ),
  fc.string({ maxLength: 80 }).filter((s) => !parsesTo(s, (v) => typeof v === "object" && v !== null)),
  fc.string({ unit: "binary", maxLength: 80 }).filter((s) => !parsesTo(s, (v) => typeof v === "object" && v !== null)),
  // a truncated JSON object
  fc
    .tuple(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 12 }), { minKeys: 1, maxKeys: 4 }), fc.nat())
    .map(([o, n]) => {
      const s = JSON.stringify(o);
      return s.slice(0, n % (s.length - 1));
    }),
);

function parsesTo(text: string, ok: (v: unknown) => boolean): boolean {
  try {
    return ok(JSON.parse(text));
  } catch {
    return false;
  }
}

/** A JSON value that is not an object at all. */
const nonObjectJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 4 }),
);

const WRONG_CONTENT_TYPES = [
  "text/plain",
  "text/plain;charset=UTF-8",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonp",
  "application/json5",
  "application/ld+json",
  "application/json-patch+json",
  "application/merge-patch+json",
  "text/json",
  "text/javascript",
  "application/xml",
  "json",
  "*/*",
  "application/*",
  "application/json, text/plain",
  "application/json+x",
  "application/x-json",
  "applicationjson",
  "application/ json",
];
const RIGHT_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=latin1", " application/json "];

/** Long passwords that are nonetheless weak (checked against the real policy in beforeAll). */
const WEAK_LONG_PASSWORDS = [
  "passwordpassword",
  "aaaaaaaaaaaaaaaa",
  "123456789012",
  "qwertyuiopasdf",
  "abcdefghijklmnop",
  "Password1234",
  "iloveyouiloveyou",
  "111111111111111111",
];

const oversizedPadding = fc.integer({ min: 16 * 1024 + 1, max: 20_000 }).map((n) => "p".repeat(n));

/**
 * Wraps route-specific bodies in every envelope the fuzz uses. `bad` bodies are invalid however
 * they are sent; `good` ones (a request the route would accept) are only ever sent with a wrong
 * content type, oversized, or with a lying Content-Length — envelopes that must refuse them.
 */
function envelopes(bad: fc.Arbitrary<unknown>, good: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Envelope> {
  const ct = fc.constantFrom(...RIGHT_CONTENT_TYPES);
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ body: bad.map((value): Body => ({ kind: "json", value })), contentType: ct }) },
    { weight: 2, arbitrary: fc.record({ body: nonObjectJson.map((value): Body => ({ kind: "json", value })), contentType: ct }) },
    { weight: 2, arbitrary: fc.record({ body: malformedJsonText.map((text): Body => ({ kind: "text", text })), contentType: ct }) },
    { weight: 1, arbitrary: fc.record({ body: deepJson.map((text): Body => ({ kind: "text", text })), contentType: ct }) },
    {
      // wrong content type, even with an otherwise acceptable body
      weight: 2,
      arbitrary: fc.record({
        body: fc.oneof(good, bad).map((value): Body => ({ kind: "json", value })),
        contentType: fc.constantFrom(...WRONG_CONTENT_TYPES),
      }),
    },
    {
      // no content type at all (a byte body: fetch adds none)
      weight: 1,
      arbitrary: fc.record({ body: fc.oneof(good, bad).map((value): Body => ({ kind: "bytes", text: JSON.stringify(value) ?? "" })), contentType: fc.constant(null) }),
    },
    {
      // oversized: an acceptable body padded beyond 16 kB
      weight: 2,
      arbitrary: fc.record({
        body: fc.tuple(good, oversizedPadding, fc.constantFrom(...POLLUTION_KEYS, "padding", "x")).map(
          ([g, pad, key]): Body => ({ kind: "text", text: JSON.stringify({ ...g, [key]: pad }) }),
        ),
        contentType: ct,
      }),
    },
    {
      // oversized body whose Content-Length lies (small), and a small body whose Content-Length says huge
      weight: 1,
      arbitrary: fc.oneof(
        fc.record({
          body: fc.tuple(good, oversizedPadding).map(([g, pad]): Body => ({ kind: "text", text: JSON.stringify({ ...g, padding: pad }) })),
          contentType: ct,
          contentLength: fc.constantFrom("2", "100", "0"),
        }),
        fc.record({
          body: good.map((value): Body => ({ kind: "json", value })),
          contentType: ct,
          contentLength: fc.constantFrom(String(16 * 1024 + 1), "99999999", "1e9"),
        }),
      ),
    },
    { weight: 1, arbitrary: fc.record({ body: fc.constant<Body>({ kind: "none" }), contentType: fc.oneof(ct, fc.constant(null)) }) },
  );
}

/** Extra keys (prototype pollution and friends) merged into an object body. */
const pollution = fc.dictionary(fc.constantFrom(...POLLUTION_KEYS), fc.oneof(wrongType, fc.constant({ role: "admin", isAdmin: true })), { maxKeys: 3 });

/** Merges keys as own properties (a literal "__proto__" key included), like JSON.parse would. */
function withKeys(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(extra)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** An optional field: present with a value, or absent. */
function field<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined, freq: 6 });
}

function objectOf(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** 43+ base64url characters: shaped like a link secret or session token, but random. */
const randomSecretShaped = fc
  .uint8Array({ minLength: 32, maxLength: 64 })
  .map((b) => Buffer.from(b).toString("base64url"));

/** Header values fetch accepts (Latin-1, no NUL/CR/LF), including ones that mean nothing. */
const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 })
  .map((s) => s.trim());

const uuidLike = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constant("00000000-0000-0000-0000-000000000000"),
  fc.constant("ffffffff-ffff-ffff-ffff-ffffffffffff"),
);

/** Ids for dynamic routes: mostly not uuids, some random (non-existent) uuids. */
const arbitraryId = fc.oneof(
  { weight: 3, arbitrary: uuidLike },
  { weight: 3, arbitrary: nastyString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "1",
      "-1",
      "null",
      "undefined",
      "../users",
      "%2e%2e",
      "' OR '1'='1",
      "00000000-0000-0000-0000-00000000000",
      "00000000-0000-0000-0000-0000000000000",
      "00000000000000000000000000000000",
      "{00000000-0000-0000-0000-000000000000}",
      "g0000000-0000-0000-0000-000000000000",
    ),
  },
  { weight: 1, arbitrary: fc.uuid().map((u) => `${u}\n`) },
  { weight: 1, arbitrary: fc.uuid().map((u) => ` ${u}`) },
  { weight: 1, arbitrary: fc.tuple(fc.uuid(), nastyString).map(([u, s]) => u + s).filter((s) => s.length > 36) },
);

/** Cookie headers: garbage, random session-shaped tokens, near-misses of the cookie name, JWT-shaped values. */
const cookieHeader = fc.oneof(
  headerText,
  randomSecretShaped.map((t) => `session=${t}`),
  randomSecretShaped.map((t) => `Session=${t}; SESSION=${t}`),
  randomSecretShaped.map((t) => `__Host-session=${t}`),
  randomSecretShaped.map((t) => `other=1; session=${t}; session=${t}x`),
  fc.constantFrom("session=", "session", "=", ";;;", "session=;", "session=null", "session=undefined", "session=%00", "__proto__=x; constructor=y"),
  headerText.map((s) => `session=${s}`),
  fc.tuple(headerText, headerText).map(([a, b]) => `${a}=${b}`),
  fc.integer({ min: 2000, max: 8000 }).map((n) => `session=${"A".repeat(n)}`),
  fc.constant(`session=${"a".repeat(20)}.${"b".repeat(40)}.${"c".repeat(43)}`),
);

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

describe(`API fuzz (fast-check, seed ${SEED})`, () => {
  beforeAll(async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const setupIp = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

    const pending = await inviteUser();
    const jwtRes = await getToken(request(`/api/onboarding/get_token?token=${pending.secret}`, { ip: setupIp }));
    expect(jwtRes.status).toBe(200);
    const jwt = ((await jwtRes.json()) as { onboarding_token: string }).onboarding_token;

    const accepted = await inviteUser();
    const acceptedJwtRes = await getToken(request(`/api/onboarding/get_token?token=${accepted.secret}`, { ip: setupIp }));
    const acceptedJwt = ((await acceptedJwtRes.json()) as { onboarding_token: string }).onboarding_token;
    const claimed = await claim(
      request("/api/onboarding/claim_token", {
        body: { token: accepted.secret, password: strongPassword() },
        headers: { authorization: `Bearer ${acceptedJwt}` },
        ip: setupIp,
      }),
    );
    expect(claimed.status).toBe(200);

    const revoked = await inviteUser();
    const revokedRes = await revoke(
      request(`/api/invitations/${revoked.id}/revoke`, { method: "POST", cookie: admin.cookie, ip: setupIp }),
      { params: Promise.resolve({ id: revoked.id }) },
    );
    expect(revokedRes.status).toBe(200);

    fx = {
      admin,
      member,
      pending: { ...pending, jwt },
      acceptedInvitationId: accepted.id,
      acceptedSecret: accepted.secret,
      revokedInvitationId: revoked.id,
      revokedSecret: revoked.secret,
    };

    // The "weak" passwords the claim fuzz sends with a valid JWT and link must really be refused.
    for (const p of WEAK_LONG_PASSWORDS) expect((await checkPasswordPolicy(p, pending.email)).ok, p).toBe(false);

    // The checksum sees a change (and its undoing): otherwise "nothing changed" would prove nothing.
    const db = await getDb();
    const c0 = await checksum();
    await db.execute(sql`update users set role = 'admin' where id = ${member.user.id}`);
    const c1 = await checksum();
    await db.execute(sql`update users set role = 'member' where id = ${member.user.id}`);
    expect(c1).not.toBe(c0);
    expect(await checksum()).toBe(c0);

    savedRateLimits = process.env.RATE_LIMITS;
    process.env.RATE_LIMITS = "off";
    initialChecksum = await checksum();
  });

  afterAll(() => {
    if (savedRateLimits === undefined) delete process.env.RATE_LIMITS;
    else process.env.RATE_LIMITS = savedRateLimits;
  });

  // ---- POST /api/auth/login ------------------------------------------------------------------

  it("POST /api/auth/login: bad input never gets past a 4xx", async () => {
    const email = fc.oneof(
      { weight: 4, arbitrary: nastyString },
      { weight: 2, arbitrary: wrongType },
      { weight: 2, arbitrary: fc.constantFrom(fx.admin.user.email, fx.member.user.email, fx.member.user.email.toUpperCase(), ` ${fx.member.user.email} `, fx.pending.email) },
      { weight: 1, arbitrary: fc.tuple(nastyString, fc.constantFrom("@example.com", "@x")).map(([a, b]) => a + b) },
    );
    const password = fc.oneof({ weight: 4, arbitrary: nastyString }, { weight: 2, arbitrary: wrongType }, { weight: 1, arbitrary: fc.constant(strongPassword()) });
    const bad = fc
      .tuple(fc.record({ email: field(email), password: field(password) }), pollution)
      .map(([f, extra]) => withKeys(objectOf(f), extra));
    const good = fc.constant({ email: fx.member.user.email, password: fx.member.password });
    const arb = fc.record({ env: envelopes(bad, good), cookie: fc.option(cookieHeader, { nil: undefined }) });

    await fuzz("login", arb, async ({ env, cookie }) => {
      const req = buildRequest("/api/auth/login", "POST", env, { origin: ORIGIN, ...(cookie ? { cookie } : {}) });
      await expectCleanError(await login(req), [fx.member.password, ...secretsIn(env)]);
    }, ["400 invalid_request", "413 payload_too_large", "415 unsupported_media_type", "401 invalid_credentials"]);
  });

  // ---- POST /api/onboarding/claim_token --------------------------------------------------------

  it("POST /api/onboarding/claim_token without a valid onboarding JWT: always 4xx (mostly 401)", async () => {
    const authorization = fc.oneof(
      fc.constant(undefined),
      headerText,
      headerText.map((t) => `Bearer ${t}`),
      randomSecretShaped.map((t) => `Bearer ${t}`),
      fc.constant(`Bearer ${fx.member.token}`),
      fc.constant(`Basic ${fx.pending.jwt}`),
      fc.constant(fx.pending.jwt),
      fc.nat({ max: 200 }).map((i) => {
        // the genuine token with one character changed (still base64url)
        const jwt = fx.pending.jwt;
        // never the last character: its low bits are padding, so changing them may not change the signature
        const at = i % (jwt.length - 1);
        const c = jwt[at] === "." ? "." : jwt[at] === "A" ? "B" : "A";
        return `Bearer ${jwt.slice(0, at)}${c}${jwt.slice(at + 1)}`;
      }).filter((h) => h !== `Bearer ${fx.pending.jwt}`),
      fc.tuple(randomSecretShaped, randomSecretShaped, randomSecretShaped).map(([a, b, c]) => `Bearer ${a.slice(0, 36)}.${b}.${c}`),
      fc.integer({ min: 2049, max: 6000 }).map((n) => `Bearer ${"a".repeat(n)}`),
    );
    const token = fc.oneof(
      { weight: 3, arbitrary: fc.constant(fx.pending.secret) },
      { weight: 3, arbitrary: nastyString },
      { weight: 2, arbitrary: randomSecretShaped },
      { weight: 2, arbitrary: wrongType },
      { weight: 1, arbitrary: fc.constantFrom(fx.acceptedSecret, fx.revokedSecret) },
    );
    const password = fc.oneof(nastyString, wrongType, fc.constant(strongPassword()));
    const bad = fc.tuple(fc.record({ token: field(token), password: field(password) }), pollution).map(([f, extra]) => withKeys(objectOf(f), extra));
    const good = fc.constant({ token: fx.pending.secret, password: strongPassword() });
    const arb = fc.record({ env: envelopes(bad, good), authorization, cookie: fc.option(cookieHeader, { nil: undefined }) });

    await fuzz("claimNoJwt", arb, async ({ env, authorization: auth, cookie }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (auth !== undefined) headers.authorization = auth;
      if (cookie) headers.cookie = cookie;
      await expectCleanError(await claim(buildRequest("/api/onboarding/claim_token", "POST", env, headers)), [
        fx.pending.secret,
        fx.pending.jwt,
        fx.member.token,
        ...secretsIn(env),
      ]);
    }, ["400 invalid_request", "413 payload_too_large", "415 unsupported_media_type", "401 invalid_onboarding_token"]);
  });

  it("POST /api/onboarding/claim_token with a valid JWT and link secret but a bad password or body: always 4xx, never claims", async () => {
    const local = fx.pending.email.split("@")[0];
    const badPassword = fc.oneof(
      // too short: at most 11 UTF-16 units, so at most 11 characters
      { weight: 4, arbitrary: fc.oneof(fc.string({ maxLength: 11 }), fc.string({ unit: "binary", maxLength: 5 }), fc.constantFrom(...LONE_SURROGATES, "", "\u0000".repeat(11))) },
      // too long: at least 257 characters (an ASCII prefix of 257 keeps the count above 256 whatever follows)
      { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 257, max: 4000 }), fc.string({ maxLength: 40 })).map(([n, s]) => "x".repeat(n) + s).filter((s) => s.length <= 4096) },
      // beyond the body schema's 4096
      { weight: 1, arbitrary: fc.integer({ min: 4097, max: 16_000 }).map((n) => "Zq9!".repeat(Math.ceil(n / 4))) },
      // built from the email
      { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${local}${s}`.padEnd(14, "!")).filter((s) => s.length <= 256) },
      // long but guessable
      { weight: 2, arbitrary: fc.constantFrom(...WEAK_LONG_PASSWORDS) },
      { weight: 2, arbitrary: wrongType },
    );
    const token = fc.oneof(
      { weight: 6, arbitrary: fc.constant(fx.pending.secret) },
      { weight: 1, arbitrary: nastyString },
      { weight: 1, arbitrary: wrongType },
      { weight: 1, arbitrary: fc.constantFrom(fx.acceptedSecret, fx.revokedSecret, fx.pending.secret.toUpperCase(), `${fx.pending.secret} `, `${fx.pending.secret}A`) },
    );
    const bad = fc
      .tuple(fc.record({ token: field(token), password: field(badPassword) }), pollution)
      .map(([f, extra]) => withKeys(objectOf(f), extra));
    const good = fc.constant({ token: fx.pending.secret, password: strongPassword() });
    const scheme = fc.constantFrom("Bearer ", "bearer ", "BEARER  ", "Bearer\t");
    const arb = fc.record({ env: envelopes(bad, good), scheme });

    await fuzz("claimWithJwt", arb, async ({ env, scheme: s }) => {
      const req = buildRequest("/api/onboarding/claim_token", "POST", env, { origin: ORIGIN, authorization: `${s}${fx.pending.jwt}` });
      await expectCleanError(await claim(req), [fx.pending.secret, fx.pending.jwt, ...secretsIn(env)]);
    }, ["400 invalid_request", "413 payload_too_large", "415 unsupported_media_type", "400 weak_password", "401 onboarding_token_mismatch"]);
  });

  // ---- GET /api/onboarding/get_token --------------------------------------------------------

  it("GET /api/onboarding/get_token with arbitrary query strings: always 4xx", async () => {
    const tokenValue = fc.oneof(
      { weight: 3, arbitrary: nastyString },
      { weight: 3, arbitrary: randomSecretShaped },
      { weight: 1, arbitrary: fc.constantFrom(fx.acceptedSecret, fx.revokedSecret, `${fx.pending.secret}x`, fx.pending.secret.slice(0, 42)) },
      { weight: 1, arbitrary: fc.integer({ min: 257, max: 20_000 }).map((n) => "A".repeat(n)) },
    );
    const query = fc.oneof(
      { weight: 5, arbitrary: tokenValue.map((t) => `token=${encodeURIComponent(t.toWellFormed())}`) },
      { weight: 1, arbitrary: tokenValue.map((t) => `token=${t}`) },
      { weight: 1, arbitrary: fc.tuple(tokenValue, tokenValue).map(([a, b]) => `token=${encodeURIComponent(a.toWellFormed())}&token=${encodeURIComponent(b.toWellFormed())}`) },
      { weight: 1, arbitrary: fc.constantFrom("", "token", "token=", "TOKEN=abc", "token[]=a", "token[a]=b", "t=1", "&&&", "=", "%", "%zz", "token=%", "token=%ZZ", "__proto__[token]=x") },
      { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
    );
    await fuzz("getToken", query, async (q) => {
      const url = new URL("/api/onboarding/get_token", ORIGIN);
      url.search = q;
      // The one input that would legitimately succeed (the live link) is not bad input.
      if (url.searchParams.get("token") === fx.pending.secret) return;
      const req = new Request(url, { headers: { "x-forwarded-for": IP } });
      await expectCleanError(await getToken(req), [fx.pending.secret, url.searchParams.get("token")]);
    }, ["400 invalid_request", "404 invitation_not_found", "409 invitation_already_used", "410 invitation_revoked"]);
  });

  // ---- POST /api/invitations ------------------------------------------------------------------

  it("POST /api/invitations as admin: every body breaks at least one field, and none is created", async () => {
    const freshEmail = fc.uuid().map((u) => `fuzz-${u.slice(0, 13)}@example.com`);
    const badEmail = fc.oneof(
      wrongType,
      // no "@" at all, or whitespace around/inside, or two "@", or one side empty
      nastyString.map((s) => s.replaceAll("@", "")).filter((s) => !/^[^\s@]+@[^\s@]+$/.test(s.trim())),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map(([a, b]) => `${a}@${b}@x`),
      fc.string({ maxLength: 10 }).map((a) => `${a}@`),
      fc.string({ maxLength: 10 }).map((b) => `@${b}`),
      fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom(" ", "\t", "\u00A0", "\u2028", "\u3000", "\n")).map(([a, ws]) => `fuzz${ws}${a}@example.com`),
      fc.integer({ min: 255, max: 20_000 }).map((n) => `${"a".repeat(n - 12)}@example.com`),
      // NUL is not a character an address can hold (Postgres text cannot store it either)
      fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom("\u0000", "a\u0000", "\u0000\u0000")).map(([a, nul]) => `fuzz${a.replace(/[\s@]/g, "")}${nul}@example.com`),
    );
    const badRole = fc.oneof(wrongType, fc.constantFrom("", "Admin", "ADMIN", "owner", "root", "superuser", "member ", "__proto__", "admin\u0000", "аdmin"), nastyString.filter((s) => s !== "admin" && s !== "member"));
    const goodRole = fc.option(fc.constantFrom("admin", "member"), { nil: undefined });
    const badExpires = fc.oneof(
      fc.constantFrom(0, -1, -3600, 0.5, 1.5, 3600.25, MAX_INVITATION_SECONDS + 1, 1e12, 1e308, Number.MAX_SAFE_INTEGER, -0.0001),
      fc.integer({ max: 0 }),
      fc.integer({ min: MAX_INVITATION_SECONDS + 1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom("3600", "1h", "", true, null, [3600], { seconds: 3600 }),
    );
    const goodExpires = fc.option(fc.integer({ min: 1, max: MAX_INVITATION_SECONDS }), { nil: undefined });
    const existingEmail = fc.constantFrom(fx.admin.user.email, fx.member.user.email.toUpperCase(), `  ${fx.member.user.email}\t`);

    const bad = fc.oneof(
      fc.record({ email: badEmail, role: fc.oneof(goodRole, badRole), expires_in_seconds: fc.oneof(goodExpires, badExpires) }),
      fc.record({ email: fc.option(freshEmail, { nil: undefined }), role: badRole, expires_in_seconds: fc.oneof(goodExpires, badExpires) }),
      fc.record({ email: fc.option(freshEmail, { nil: undefined }), role: goodRole, expires_in_seconds: badExpires }),
      fc.record({ role: goodRole, expires_in_seconds: goodExpires }), // no email
      // an account that is already active: 409, nothing upserted
      fc.record({ email: existingEmail, role: goodRole, expires_in_seconds: goodExpires }),
    ).chain((f) => pollution.map((extra) => withKeys(objectOf(f), extra)));
    const good = fc.record({ email: freshEmail, role: fc.constantFrom("admin", "member") }).map((f) => ({ ...f }));
    // Prototype pollution as raw JSON: the email is only reachable through the prototype.
    const pollutedText = freshEmail.chain((email) =>
      fc.constantFrom(
        `{"__proto__":{"email":"${email}"}}`,
        `{"constructor":{"prototype":{"email":"${email}"}}}`,
        `{"__proto__":{"email":"${email}"},"role":"admin"}`,
        `{"email":{"toString":"${email}"}}`,
      ),
    );
    const arb = fc.record({
      env: fc.oneof(
        { weight: 9, arbitrary: envelopes(bad, good) },
        { weight: 1, arbitrary: fc.record({ body: pollutedText.map((text): Body => ({ kind: "text", text })), contentType: fc.constant("application/json") }) },
      ),
      // mostly the admin; sometimes a member (403) or nobody (401), with the same bodies
      who: fc.constantFrom("admin", "admin", "admin", "admin", "admin", "admin", "member", "none"),
    });

    await fuzz("invitations", arb, async ({ env, who }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (who === "admin") headers.cookie = fx.admin.cookie;
      if (who === "member") headers.cookie = fx.member.cookie;
      await expectCleanError(await createInvitationRoute(buildRequest("/api/invitations", "POST", env, headers)), [fx.admin.token, fx.member.token]);
    }, ["400 invalid_request", "413 payload_too_large", "415 unsupported_media_type", "409 user_exists", "403 forbidden", "401 unauthorized"]);
  });

  // ---- POST /api/invitations/bulk ---------------------------------------------------------------

  it("POST /api/invitations/bulk: a bad shape is a 4xx; bad lines are each their own outcome (200), never a 5xx; nothing is created", async () => {
    // Lines that can never be invited: not addresses, invisible characters, or accounts that exist.
    const badLine = fc.oneof(
      nastyString.filter((s) => !checkEmail(s).ok),
      fc.tuple(fc.string({ maxLength: 6 }), fc.constantFrom("\u200B", "\u00AD", "\u202E", "\uFEFF", "\u2060")).map(([a, inv]) => `fuzz${a.replace(/[\s@]/g, "")}${inv}@example.com`),
      fc.constantFrom(fx.admin.user.email, fx.member.user.email.toUpperCase(), `  ${fx.member.user.email}\t`, `${fx.admin.user.email.toUpperCase()}`),
    );
    const lines = fc.array(badLine, { minLength: 1, maxLength: 12 });
    const goodRole = fc.constantFrom("admin", "member");
    const okShape = fc
      .record({
        emails: lines,
        role: goodRole,
        expires_in_seconds: field(fc.integer({ min: 1, max: MAX_INVITATION_SECONDS })),
        replace: field(fc.boolean()),
      })
      .map(objectOf);
    const badShape = fc.oneof(
      fc.record({ emails: fc.oneof(wrongType.filter((v) => !Array.isArray(v)), fc.constant([])), role: goodRole }),
      fc.record({ emails: fc.array(wrongType.filter((v) => typeof v !== "string"), { minLength: 1, maxLength: 3 }).chain((junk) => lines.map((l) => [...l, ...junk])), role: goodRole }),
      fc.record({ emails: fc.constant(Array.from({ length: MAX_BULK_EMAILS + 1 }, (_, i) => `x${i}`)), role: goodRole }),
      fc.record({ emails: lines, role: fc.oneof(wrongType, fc.constantFrom("", "Admin", "owner", "member ")) }),
      fc.record({ emails: lines }),
      fc.record({ emails: lines, role: goodRole, expires_in_seconds: fc.constantFrom(0, -1, 1.5, MAX_INVITATION_SECONDS + 1, "3600", null) }),
      fc.record({ emails: lines, role: goodRole, replace: fc.constantFrom("true", 1, 0, null, "yes") }),
    );
    const arb = fc.record({
      env: envelopes(fc.oneof(badShape, okShape), okShape),
      who: fc.constantFrom("admin", "admin", "admin", "admin", "admin", "member", "none"),
    });
    const outcomes = new Set(["invalid_email", "user_exists", "duplicate"]);
    await fuzz("bulkInvitations", arb, async ({ env, who }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (who === "admin") headers.cookie = fx.admin.cookie;
      if (who === "member") headers.cookie = fx.member.cookie;
      const res = await bulkInvitationsRoute(buildRequest("/api/invitations/bulk", "POST", env, headers));
      if (res.status !== 200) return expectCleanError(res, [fx.admin.token, fx.member.token]);
      record("200");
      if (who !== "admin") throw new Error(`200 for ${who}`);
      const sentText = env.body.kind === "json" ? (JSON.stringify(env.body.value) ?? "") : env.body.kind === "none" ? "" : env.body.text;
      const sent = JSON.parse(sentText) as { emails: string[] };
      const got = (await res.json()) as { results: Array<{ email: string; outcome: string; invitation?: unknown }> };
      if (got.results.length !== sent.emails.length) throw new Error(`${got.results.length} results for ${sent.emails.length} lines`);
      for (const [i, r] of got.results.entries()) {
        if (r.email !== sent.emails[i]) throw new Error(`result ${i} names ${JSON.stringify(r.email)}, line was ${JSON.stringify(sent.emails[i])}`);
        if (!outcomes.has(r.outcome) || r.invitation !== undefined) throw new Error(`line ${JSON.stringify(r.email)}: ${r.outcome}`);
      }
    }, ["200", "400 invalid_request", "415 unsupported_media_type", "403 forbidden", "401 unauthorized"]);
  });

  // ---- GET /api/invitations ----------------------------------------------------------------------

  it("GET /api/invitations with arbitrary query strings: 200 or 400 invalid_request, never a 5xx", async () => {
    const at = { createdAt: "2026-01-01T00:00:00.000000Z", id: "00000000-0000-4000-8000-000000000000" };
    const value = fc.oneof(
      nastyString,
      fc.constantFrom("pending", "accepted", "expired", "revoked", "PENDING", "all", "", "0", "1", "50", "100", "101", "-1", "1e2", "0x10", " 5", "abc", "%", "_", "\\", "%%%", "a_b"),
      fc.constantFrom(encodeCursor("invitations", at), encodeCursor("users", at), encodeCursor("audit", at), `${encodeCursor("invitations", at)}x`),
      fc.string({ minLength: 250, maxLength: 260 }),
    );
    const query = fc.dictionary(fc.constantFrom("status", "q", "limit", "cursor", "other"), value, { maxKeys: 4 });
    await fuzz("listInvitations", query, async (q) => {
      const url = new URL("/api/invitations", ORIGIN);
      for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v.toWellFormed());
      const res = await listInvitationsRoute(new Request(url, { headers: { cookie: fx.admin.cookie, "x-forwarded-for": IP } }));
      if (res.status === 200) {
        record("200");
        const got = (await res.json()) as { invitations: unknown[]; next_cursor: unknown };
        if (!Array.isArray(got.invitations) || got.invitations.length > 100) throw new Error("bad list");
        return;
      }
      await expectCleanError(res, [fx.admin.token], (status, code) => status === 400 && code === "invalid_request");
    }, ["200", "400 invalid_request"]);
  });

  // ---- PATCH /api/users/[id] -----------------------------------------------------------------

  it("PATCH /api/users/[id] as admin: bad ids and bad bodies never change a user", async () => {
    const badPatch = fc.oneof(
      fc.constant({}),
      fc.record({ role: fc.oneof(wrongType, fc.constantFrom("owner", "Admin", "", "__proto__", "admin ")) }),
      fc.record({ disabled: fc.oneof(fc.constantFrom("true", "false", 1, 0, "yes", null), fc.integer(), nastyString) }),
      fc.record({ role: fc.constantFrom("admin", "member"), disabled: wrongType.filter((v) => typeof v !== "boolean") }),
      fc.record({ role: fc.constant(undefined), disabled: fc.constant(undefined) }),
      // any valid field plus an unknown key: the schema is strict
      fc
        .tuple(
          fc.record({ role: field(fc.constantFrom("admin", "member")), disabled: field(fc.boolean()) }),
          fc.oneof(
            fc.dictionary(fc.constantFrom(...POLLUTION_KEYS.filter((k) => k !== "role"), "email", "password_hash", "id", "passwordHash", "disabledAt"), wrongType, { minKeys: 1, maxKeys: 3 }),
            fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "role" && k !== "disabled" && !STACK_MARKERS.some((m) => k.includes(m))), wrongType, { minKeys: 1, maxKeys: 2 }),
          ),
        )
        .map(([f, extra]) => withKeys(objectOf(f), extra)),
    );
    const anyPatch = fc.oneof(badPatch, fc.record({ role: field(fc.constantFrom("admin", "member")), disabled: field(fc.boolean()) }).map(objectOf));
    const validPatch = fc.constantFrom({ role: "admin" }, { role: "member" }, { disabled: true }, { disabled: false }, { role: "admin", disabled: false });

    const arb = fc.oneof(
      // a real user: only bad bodies (or a good one in a refusing envelope)
      { weight: 4, arbitrary: fc.record({ id: fc.constantFrom(fx.member.user.id, fx.member.user.id.toUpperCase()), env: envelopes(badPatch, validPatch) }) },
      // the admin themself: any body is refused (400, or 409 cannot_change_self)
      { weight: 1, arbitrary: fc.record({ id: fc.constant(fx.admin.user.id), env: envelopes(anyPatch, validPatch) }) },
      // ids that name nobody: any body
      { weight: 4, arbitrary: fc.record({ id: arbitraryId, env: envelopes(anyPatch, validPatch) }) },
    );

    await fuzz("patchUser", fc.record({ target: arb, who: fc.constantFrom("admin", "admin", "admin", "admin", "member", "none") }), async ({ target, who }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (who === "admin") headers.cookie = fx.admin.cookie;
      if (who === "member") headers.cookie = fx.member.cookie;
      // With a real target, a member or anonymous caller is refused whatever the body; with the admin the body is always bad.
      const req = buildRequest(`/api/users/${safeUrlPath(target.id)}`, "PATCH", target.env, headers);
      await expectCleanError(await patchUser(req, { params: Promise.resolve({ id: target.id }) }), [fx.admin.token, fx.member.token]);
    }, ["400 invalid_request", "413 payload_too_large", "415 unsupported_media_type", "404 user_not_found", "409 cannot_change_self", "403 forbidden", "401 unauthorized"]);
  });

  // ---- POST /api/invitations/[id]/revoke and /reissue -----------------------------------------

  const revokeIds = () =>
    fc.oneof(
      { weight: 6, arbitrary: arbitraryId },
      // existing but not pending: 409 invitation_not_pending
      { weight: 1, arbitrary: fc.constantFrom(fx.acceptedInvitationId, fx.revokedInvitationId, fx.acceptedInvitationId.toUpperCase()) },
    );

  const junkBody: fc.Arbitrary<Envelope> = fc.oneof(
    fc.constant<Envelope>({ body: { kind: "none" }, contentType: null }),
    fc.record({ body: fc.anything({ maxDepth: 2 }).map((value): Body => ({ kind: "json", value })), contentType: fc.constantFrom(...RIGHT_CONTENT_TYPES, ...WRONG_CONTENT_TYPES) }),
    fc.record({ body: malformedJsonText.map((text): Body => ({ kind: "text", text })), contentType: fc.constant("application/json") }),
  );

  it("POST /api/invitations/[id]/revoke with arbitrary ids: always 4xx, nothing revoked", async () => {
    const arb = fc.record({ id: revokeIds(), env: junkBody, who: fc.constantFrom("admin", "admin", "admin", "member", "none") });
    await fuzz("revoke", arb, async ({ id, env, who }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (who === "admin") headers.cookie = fx.admin.cookie;
      if (who === "member") headers.cookie = fx.member.cookie;
      const req = buildRequest(`/api/invitations/${safeUrlPath(id)}/revoke`, "POST", env, headers);
      await expectCleanError(await revoke(req, { params: Promise.resolve({ id }) }), [fx.admin.token]);
    }, ["404 invitation_not_found", "409 invitation_not_pending", "403 forbidden", "401 unauthorized"]);
  });

  it("POST /api/invitations/[id]/reissue with arbitrary ids: always 4xx, nothing issued", async () => {
    const ids = fc.oneof(
      { weight: 6, arbitrary: arbitraryId },
      // an accepted invitation: its user is active, so 409 user_exists and nothing is upserted
      { weight: 1, arbitrary: fc.constantFrom(fx.acceptedInvitationId, fx.acceptedInvitationId.toUpperCase()) },
    );
    const arb = fc.record({ id: ids, env: junkBody, who: fc.constantFrom("admin", "admin", "admin", "member", "none") });
    await fuzz("reissue", arb, async ({ id, env, who }) => {
      const headers: Record<string, string> = { origin: ORIGIN };
      if (who === "admin") headers.cookie = fx.admin.cookie;
      if (who === "member") headers.cookie = fx.member.cookie;
      const req = buildRequest(`/api/invitations/${safeUrlPath(id)}/reissue`, "POST", env, headers);
      await expectCleanError(await reissue(req, { params: Promise.resolve({ id }) }), [fx.admin.token]);
    }, ["404 invitation_not_found", "409 user_exists", "403 forbidden", "401 unauthorized"]);
  });

  // ---- POST /api/auth/logout -----------------------------------------------------------------

  it("POST /api/auth/logout with arbitrary cookies: 204 + cleared cookie (or 403 for a bad origin), never 5xx, nothing revoked", async () => {
    const origin = fc.oneof(
      { weight: 4, arbitrary: fc.constant<string | undefined>(ORIGIN) },
      { weight: 1, arbitrary: fc.constantFrom<string | undefined>(undefined, "null", "https://evil.example", "http://localhost:3000/", "") },
      { weight: 1, arbitrary: headerText.map((s): string | undefined => s) },
    );
    const arb = fc.record({ cookie: cookieHeader, origin, env: junkBody });
    await fuzz("logout", arb, async ({ cookie, origin: o, env }) => {
      const headers: Record<string, string> = { cookie };
      if (o !== undefined) headers.origin = o;
      const res = await logout(buildRequest("/api/auth/logout", "POST", env, headers));
      if (res.status === 204) {
        record("204");
        if (o !== ORIGIN) throw new Error(`logout accepted Origin ${JSON.stringify(o)}`);
        if ((await res.text()) !== "") throw new Error("204 with a body");
        if (!/^session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0;/.test(res.headers.get("set-cookie") ?? "")) {
          throw new Error(`logout did not clear the cookie: ${res.headers.get("set-cookie")}`);
        }
        return;
      }
      await expectCleanError(res, [cookie], (status, code) => status === 403 && code === "csrf_rejected" && o !== ORIGIN);
    }, ["204", "403 csrf_rejected"]);
  });

  // ---- GET /api/me ---------------------------------------------------------------------------

  it("GET /api/me with arbitrary cookie headers: always 401 unauthorized", async () => {
    await fuzz("me", fc.option(cookieHeader, { nil: undefined }), async (cookie) => {
      const headers: Record<string, string> = { "x-forwarded-for": IP };
      if (cookie !== undefined) headers.cookie = cookie;
      const res = await meGet(new Request(new URL("/api/me", ORIGIN), { headers }));
      await expectCleanError(res, [cookie], (status, code) => status === 401 && code === "unauthorized");
    }, ["401 unauthorized"]);
  });

  // ---- GET /api/sessions, POST /api/sessions/revoke_others ---------------------------------------

  it("GET /api/sessions with arbitrary cookie headers: always 401 unauthorized", async () => {
    await fuzz("sessions", fc.option(cookieHeader, { nil: undefined }), async (cookie) => {
      const headers: Record<string, string> = { "x-forwarded-for": IP };
      if (cookie !== undefined) headers.cookie = cookie;
      const res = await sessionsGet(new Request(new URL("/api/sessions", ORIGIN), { headers }));
      await expectCleanError(res, [cookie], (status, code) => status === 401 && code === "unauthorized");
    }, ["401 unauthorized"]);
  });

  it("POST /api/sessions/revoke_others with arbitrary cookies: always 401, nothing revoked", async () => {
    await fuzz("revokeOthers", fc.option(cookieHeader, { nil: undefined }), async (cookie) => {
      const headers: Record<string, string> = { "x-forwarded-for": IP, origin: ORIGIN, "content-type": "application/json" };
      if (cookie !== undefined) headers.cookie = cookie;
      const res = await revokeOthers(new Request(new URL("/api/sessions/revoke_others", ORIGIN), { method: "POST", headers, body: "{}" }));
      await expectCleanError(res, [cookie], (status, code) => status === 401 && code === "unauthorized");
    }, ["401 unauthorized"]);
  });

  // ---- the whole run ----------------------------------------------------------------------------

  it(`sent at least ${MIN_TOTAL_INPUTS} generated inputs, and no row of users, invitations or sessions changed over the whole run`, async () => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.info(`fuzz inputs (seed ${SEED}): ${JSON.stringify(counts)} total ${total}\nanswers: ${JSON.stringify(tally, null, 1)}`);
    expect(Object.keys(counts).sort()).toEqual(Object.keys(RUNS).sort());
    expect(total, `seed ${SEED}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(MIN_TOTAL_INPUTS);
    expect(await checksum()).toBe(initialChecksum);
  });

  // ---- minimal reproductions of what the fuzz found (kept failing until fixed) -----------------

  it("regression: a NUL character in the login email is a 4xx, not a 500", async () => {
    const res = await login(request("/api/auth/login", { body: { email: "a\u0000b@example.com", password: "whatever-password" }, ip: IP }));
    await expectCleanError(res);
  });

  it("regression: a NUL character in an invitation email is a 400, not a 500", async () => {
    const email = `fuzz-nul-${randomUUID().slice(0, 8)}\u0000@example.com`;
    const res = await createInvitationRoute(request("/api/invitations", { body: { email }, cookie: fx.admin.cookie, ip: IP }));
    await expectCleanError(res, [], (status, code) => status === 400 && code === "invalid_request");
  });
});

/** Every string value of a generated body, for the "no echo" check. */
function secretsIn(env: Envelope): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 4) return;
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.slice(0, 10).forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === "object") Object.values(v).slice(0, 10).forEach((x) => walk(x, depth + 1));
  };
  if (env.body.kind === "json") walk(env.body.value, 0);
  return out;
}
