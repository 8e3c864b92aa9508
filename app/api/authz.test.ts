// The authorization table (lib/authz.ts) against the code: every exported method of every route.ts
// under app/api must have a row, and every route answers each kind of caller as its row says. A new
// route without a row fails here; so does one that checks the body before the session (a member
// would get 400 instead of 403) or forgets the admin check.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sessions, users } from "@/db/schema";
import { routeFiles } from "@/lib/api/testing/routes";
import { revokeSessionToken } from "@/lib/auth/session";
import { ACCESS, accessOf, REAUTH, type Access, type GuardedRoute } from "@/lib/authz";
import { createUserWithSession, request } from "@/lib/testing/api";

const API_DIR = path.join(process.cwd(), "app", "api");
const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];
type Handler = (request: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

type Segment = { name: string; catchAll: boolean };

/** "/api/invitations/:id/revoke" for app/api/invitations/[id]/revoke/route.ts; route groups vanish. */
function routePath(file: string): { pattern: string; dynamic: Segment[] } {
  const dynamic: Segment[] = [];
  const parts = path
    .relative(path.join(process.cwd(), "app"), path.dirname(file))
    .split(path.sep)
    .filter((p) => !/^\(.*\)$/.test(p))
    .map((p) => {
      const m = /^\[{1,2}(\.\.\.)?([^\]]+)\]{1,2}$/.exec(p);
      if (!m) return p;
      dynamic.push({ name: m[2], catchAll: Boolean(m[1]) });
      return `:${m[2]}${m[1] ? "*" : ""}`;
    });
  return { pattern: `/${parts.join("/")}`, dynamic };
}

type Endpoint = { key: string; method: Method; pattern: string; dynamic: Segment[]; handler: Handler; file: string };

const files = routeFiles(API_DIR);
const endpoints: Endpoint[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const { pattern, dynamic } = routePath(file);
  for (const method of METHODS) {
    if (typeof mod[method] === "function") {
      endpoints.push({ key: `${method} ${pattern}`, method, pattern, dynamic, handler: mod[method] as Handler, file: path.relative(process.cwd(), file) });
    }
  }
}

describe("every API route has a row in lib/authz.ts ACCESS", () => {
  it("the walk finds the routes (a broken walk must not pass by finding nothing)", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    const keys = endpoints.map((e) => e.key);
    for (const known of ["GET /api/me", "POST /api/invitations", "GET /api/onboarding/get_token", "PATCH /api/users/:id", "GET /api/audit"]) {
      expect(keys).toContain(known);
    }
  });

  it("each exported HTTP method of each route.ts has a row", () => {
    const missing = endpoints.filter((e) => accessOf(e.key) === undefined).map((e) => `${e.key}  (${e.file})`);
    expect(missing, `add these to ACCESS in lib/authz.ts:\n${missing.join("\n")}`).toEqual([]);
  });

  it("each row is 'METHOD /api/path' with a known method and level (rows may precede their route file)", () => {
    for (const [key, access] of Object.entries(ACCESS)) {
      expect(key).toMatch(new RegExp(`^(${METHODS.join("|")}) /api(/[a-z0-9_.-]+|/:[a-zA-Z]+\\*?)+$`));
      expect(["anonymous", "member", "admin"]).toContain(access);
    }
  });
});

type Caller = "anonymous" | "member" | "admin" | "stale" | "disabled" | "revoked" | "expired" | "idle" | "duplicated";
const CALLERS: Caller[] = ["anonymous", "member", "admin", "stale", "disabled", "revoked", "expired", "idle", "duplicated"];

/**
 * A cookie for each kind of caller. Disabled, revoked, expired, idle and duplicated are ADMIN cookies,
 * so only their state makes them anonymous; "duplicated" sends a valid session cookie twice (a planted
 * twin: README, two `session` cookies count as none). "stale" is a live admin session whose password
 * was last proven an hour ago (past the default REAUTH_MAX_AGE_SECONDS of 900): it gets 403
 * reauth_required from the REAUTH routes, before any body check (the test sends `{}`).
 */
async function cookies(): Promise<Record<Caller, string | undefined>> {
  const db = await getDb();
  const member = await createUserWithSession("member");
  const admin = await createUserWithSession("admin");
  const disabled = await createUserWithSession("admin");
  await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));
  const revoked = await createUserWithSession("admin");
  await revokeSessionToken(db, revoked.token);
  const expired = await createUserWithSession("admin");
  await db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, expired.user.id));
  const idle = await createUserWithSession("admin");
  await db.update(sessions).set({ lastUsedAt: new Date(Date.now() - 2 * 86400_000) }).where(eq(sessions.userId, idle.user.id));
  const stale = await createUserWithSession("admin");
  await db.update(sessions).set({ authenticatedAt: new Date(Date.now() - 3600_000) }).where(eq(sessions.userId, stale.user.id));
  const twin = await createUserWithSession("admin");
  return {
    anonymous: undefined,
    member: member.cookie,
    admin: admin.cookie,
    disabled: disabled.cookie,
    revoked: revoked.cookie,
    expired: expired.cookie,
    idle: idle.cookie,
    stale: stale.cookie,
    duplicated: `${twin.cookie}; ${twin.cookie}`,
  };
}

/** What each caller must get from a route of this level: an exact status (and error code), or "through" (not 401/403, not 5xx). */
function expected(key: string, access: Access, caller: Caller): { status: number; code: string } | "through" {
  if (access === "anonymous") return "through";
  if (caller === "admin") return "through";
  if (caller === "stale") return REAUTH.has(key as GuardedRoute) ? { status: 403, code: "reauth_required" } : "through";
  if (caller === "member") return access === "admin" ? { status: 403, code: "forbidden" } : "through";
  return { status: 401, code: "unauthorized" };
}

async function call(e: Endpoint, cookie: string | undefined): Promise<{ status: number; code: string | null }> {
  const params: Record<string, string | string[]> = {};
  let url = e.pattern;
  for (const seg of e.dynamic) {
    const sample = randomUUID();
    params[seg.name] = seg.catchAll ? [sample] : sample;
    url = url.replace(`:${seg.name}${seg.catchAll ? "*" : ""}`, sample);
  }
  const hasBody = e.method !== "GET" && e.method !== "HEAD" && e.method !== "OPTIONS";
  // Non-GET requests carry the app's own Origin (lib/testing/api.ts), so CSRF never answers for auth.
  const res = await e.handler(request(url, { method: e.method, cookie, body: hasBody ? {} : undefined }), { params: Promise.resolve(params) });
  let code: string | null = null;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) {
    const parsed = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
    code = parsed?.error?.code ?? null;
  } else {
    // A CSV export or the like: do not read a whole table.
    await res.body?.cancel().catch(() => {});
  }
  return { status: res.status, code };
}

describe("each route answers each kind of caller as its row says", () => {
  const rows = Object.entries(ACCESS) as [string, Access][];
  const pending = rows.filter(([key]) => !endpoints.some((e) => e.key === key)).map(([key]) => key);
  for (const key of pending) it.todo(`${key}: no route file exports it yet`);

  it.each(endpoints.filter((e) => accessOf(e.key)).map((e) => [e.key, e] as const))("%s", async (key, e) => {
    const access = accessOf(key)!;
    const cookie = await cookies();
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const caller of CALLERS) {
      const { status, code } = await call(e, cookie[caller]);
      const rule = expected(key, access, caller);
      if (rule === "through") {
        got[caller] = status === 401 || status === 403 || status >= 500 ? `${status} ${code}` : "through";
        want[caller] = "through";
      } else {
        got[caller] = `${status} ${code}`;
        want[caller] = `${rule.status} ${rule.code}`;
      }
    }
    // One comparison per route, so a failure shows every caller's answer at once.
    expect(got, `${key} is "${access}" in lib/authz.ts`).toEqual(want);
  });
});
