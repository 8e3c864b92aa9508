// Adversarial: what a hostile web page (or a curious stranger) can do with a victim's browser.
//
//  - Cross-site requests (CSRF): every state-changing route refuses a foreign, "null" or missing
//    Origin with 403 csrf_rejected and writes nothing; each attack is followed by the very same
//    request from our own origin, which must succeed, so the refusal was about the origin alone.
//  - Stolen or stale cookies: a logged-out or disabled user's cookie is worthless.
//  - Enumeration: failures look the same whether or not an account or link exists.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, users } from "@/db/schema";
import { errorMessage } from "@/lib/errors";
import { createUserWithSession, inviteUser, ORIGIN, snapshot, strongPassword, uniqueEmail } from "@/lib/testing/api";
import { updateUser } from "@/lib/users";
import { POST as login } from "../auth/login/route";
import { POST as logout } from "../auth/logout/route";
import { POST as reissue } from "../invitations/[id]/reissue/route";
import { POST as revoke } from "../invitations/[id]/revoke/route";
import { POST as createInvitationRoute } from "../invitations/route";
import { GET as meGet } from "../me/route";
import { POST as claim } from "../onboarding/claim_token/route";
import { GET as getToken } from "../onboarding/get_token/route";
import { PATCH as patchUser } from "../users/[id]/route";

function randomIp(): string {
  return `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
}

type Init = { method?: string; body?: unknown; headers?: Record<string, string>; cookie?: string; ip?: string };

/** A request exactly as given: unlike lib/testing/api's request(), no Origin is added. */
function raw(path: string, init: Init = {}): Request {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  if (init.cookie) headers.set("cookie", init.cookie);
  headers.set("x-forwarded-for", init.ip ?? randomIp());
  return new Request(new URL(path, ORIGIN), {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function userId(email: string): Promise<string> {
  const db = await getDb();
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return u.id;
}

async function auditCount(targetUserId: string): Promise<number> {
  const db = await getDb();
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(eq(auditEvents.targetUserId, targetUserId));
  return n;
}

async function onboardingJwt(secret: string): Promise<string> {
  const res = await getToken(raw(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`));
  expect(res.status).toBe(200);
  return ((await res.json()) as { onboarding_token: string }).onboarding_token;
}

/** The exact error body a route must send. */
function errorBody(code: Parameters<typeof errorMessage>[0], message = errorMessage(code)) {
  return { error: { code, message } };
}

// ---------------------------------------------------------------------------------------------
// CSRF
// ---------------------------------------------------------------------------------------------

/**
 * One state-changing request: `build(headers)` makes it (fresh each time, bodies are single-use),
 * `watch` is every user whose rows must not change, `succeeded` checks the control request did
 * what it says (so the attack really would have done something).
 */
type Scenario = {
  build: (headers: Record<string, string>) => Request;
  send: (req: Request) => Promise<Response>;
  watch: string[];
  okStatus: number;
  succeeded?: () => Promise<void>;
};

const scenarios: Record<string, () => Promise<Scenario>> = {
  "POST /api/auth/login": async () => {
    const member = await createUserWithSession("member");
    const ip = randomIp();
    return {
      build: (headers) => raw("/api/auth/login", { body: { email: member.user.email, password: member.password }, headers, ip }),
      send: login,
      watch: [member.user.id],
      okStatus: 200,
      succeeded: async () => expect((await snapshot(member.user.id)).sessions).toHaveLength(2),
    };
  },
  "POST /api/auth/logout": async () => {
    const member = await createUserWithSession("member");
    return {
      build: (headers) => raw("/api/auth/logout", { method: "POST", headers, cookie: member.cookie }),
      send: logout,
      watch: [member.user.id],
      okStatus: 204,
      succeeded: async () => expect((await meGet(raw("/api/me", { cookie: member.cookie }))).status).toBe(401),
    };
  },
  "POST /api/onboarding/claim_token": async () => {
    const inv = await inviteUser();
    const jwt = await onboardingJwt(inv.secret);
    const password = strongPassword();
    const id = await userId(inv.email);
    return {
      build: (headers) =>
        raw("/api/onboarding/claim_token", { body: { token: inv.secret, password }, headers: { authorization: `Bearer ${jwt}`, ...headers } }),
      send: claim,
      watch: [id],
      okStatus: 200,
      succeeded: async () => expect((await snapshot(id)).invitations[0].isAccepted).toBe(true),
    };
  },
  "POST /api/invitations": async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("csrf-invitee");
    return {
      build: (headers) => raw("/api/invitations", { body: { email, role: "admin" }, headers, cookie: admin.cookie }),
      send: async (req) => {
        const res = await createInvitationRoute(req);
        const db = await getDb();
        // Nothing may exist for this email unless the request succeeded.
        const found = await db.select().from(users).where(eq(users.email, email));
        expect(found.length).toBe(res.status === 201 ? 1 : 0);
        return res;
      },
      watch: [admin.user.id],
      okStatus: 201,
    };
  },
  "POST /api/invitations/[id]/revoke": async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const id = await userId(inv.email);
    return {
      build: (headers) => raw(`/api/invitations/${inv.id}/revoke`, { method: "POST", headers, cookie: admin.cookie }),
      send: (req) => revoke(req, params(inv.id)),
      watch: [admin.user.id, id],
      okStatus: 200,
      succeeded: async () => expect((await snapshot(id)).invitations[0].revokedAt).not.toBeNull(),
    };
  },
  "POST /api/invitations/[id]/reissue": async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const id = await userId(inv.email);
    return {
      build: (headers) => raw(`/api/invitations/${inv.id}/reissue`, { method: "POST", headers, cookie: admin.cookie }),
      send: (req) => reissue(req, params(inv.id)),
      watch: [admin.user.id, id],
      okStatus: 201,
      succeeded: async () => expect((await snapshot(id)).invitations).toHaveLength(2),
    };
  },
  "PATCH /api/users/[id]": async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    return {
      build: (headers) => raw(`/api/users/${member.user.id}`, { method: "PATCH", body: { role: "admin" }, headers, cookie: admin.cookie }),
      send: (req) => patchUser(req, params(member.user.id)),
      watch: [admin.user.id, member.user.id],
      okStatus: 200,
      succeeded: async () => expect((await snapshot(member.user.id)).user.role).toBe("admin"),
    };
  },
};

/** Headers a cross-site (or origin-less) request might carry; none of them may pass. */
const hostile: Array<[string, Record<string, string>]> = [
  ["Origin: https://evil.example", { origin: "https://evil.example" }],
  ['Origin: "null" (sandboxed iframe, data: URL)', { origin: "null" }],
  ["no Origin and no Sec-Fetch-Site", {}],
  ["no Origin, Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
  ["no Origin, Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
  ["no Origin, Sec-Fetch-Site: none", { "sec-fetch-site": "none" }],
  ["a foreign Origin with Sec-Fetch-Site: same-origin (Origin wins)", { origin: "https://evil.example", "sec-fetch-site": "same-origin" }],
  ["Origin on our host name but another port", { origin: "http://localhost:3001" }],
  ["Origin that merely starts with ours", { origin: `${ORIGIN}.evil.example` }],
  ["Origin with our origin as userinfo", { origin: `http://localhost:3000@evil.example` }],
  ["a malformed Origin", { origin: "http//localhost:3000" }],
];

describe("cross-site requests are refused with 403 csrf_rejected and change nothing", () => {
  for (const [route, setup] of Object.entries(scenarios)) {
    it(`${route}`, async () => {
      const s = await setup();
      const snap = async () => Promise.all(s.watch.map(async (id) => ({ ...(await snapshot(id)), audit: await auditCount(id) })));
      const before = await snap();
      for (const [label, headers] of hostile) {
        const res = await s.send(s.build(headers));
        expect(res.status, `${route} with ${label}`).toBe(403);
        const json = (await res.json()) as { error: { code: string; message: string } };
        expect(json.error.code, `${route} with ${label}`).toBe("csrf_rejected");
        expect(Object.keys(json)).toEqual(["error"]);
        expect(res.headers.get("set-cookie"), `${route} with ${label}`).toBeNull();
      }
      expect(await snap()).toEqual(before);

      // Control: the same request from our own origin goes through.
      const ok = await s.send(s.build({ origin: ORIGIN }));
      expect(ok.status).toBe(s.okStatus);
      await s.succeeded?.();
    });
  }

  it("allows Sec-Fetch-Site: same-origin without an Origin header (login, invitation)", async () => {
    const member = await createUserWithSession("member");
    const res = await login(raw("/api/auth/login", { body: { email: member.user.email, password: member.password }, headers: { "sec-fetch-site": "same-origin" } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/^session=[A-Za-z0-9_-]{43};/);

    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("sfs");
    const created = await createInvitationRoute(
      raw("/api/invitations", { body: { email }, headers: { "sec-fetch-site": "same-origin" }, cookie: admin.cookie }),
    );
    expect(created.status).toBe(201);
  });

  it("refuses the CSRF check before anything else: a foreign login with a wrong password is 403, not 401, and no failed-login audit row appears", async () => {
    const member = await createUserWithSession("member");
    const before = await auditCount(member.user.id);
    const res = await login(raw("/api/auth/login", { body: { email: member.user.email, password: "wrong" }, headers: { origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
    expect(await auditCount(member.user.id)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Stale cookies
// ---------------------------------------------------------------------------------------------

describe("stale cookies are worthless", () => {
  it("a session cookie reused after logout gets 401 on GET /api/me and POST /api/invitations", async () => {
    const admin = await createUserWithSession("admin");
    expect((await meGet(raw("/api/me", { cookie: admin.cookie }))).status).toBe(200);
    const out = await logout(raw("/api/auth/logout", { method: "POST", headers: { origin: ORIGIN }, cookie: admin.cookie }));
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/^session=;.*Max-Age=0/);

    const me = await meGet(raw("/api/me", { cookie: admin.cookie }));
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual(errorBody("unauthorized"));

    const email = uniqueEmail("after-logout");
    const created = await createInvitationRoute(raw("/api/invitations", { body: { email }, headers: { origin: ORIGIN }, cookie: admin.cookie }));
    expect(created.status).toBe(401);
    expect(await created.json()).toEqual(errorBody("unauthorized"));
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);

    // Logging out twice is harmless and still does not bring the session back.
    expect((await logout(raw("/api/auth/logout", { method: "POST", headers: { origin: ORIGIN }, cookie: admin.cookie }))).status).toBe(204);
    expect((await meGet(raw("/api/me", { cookie: admin.cookie }))).status).toBe(401);
  });

  it("a disabled user's cookie gets 401, whether disabled through the API or directly in the database", async () => {
    const admin = await createUserWithSession("admin");
    const viaApi = await createUserWithSession("member");
    expect((await meGet(raw("/api/me", { cookie: viaApi.cookie }))).status).toBe(200);
    const patched = await patchUser(
      raw(`/api/users/${viaApi.user.id}`, { method: "PATCH", body: { disabled: true }, headers: { origin: ORIGIN }, cookie: admin.cookie }),
      params(viaApi.user.id),
    );
    expect(patched.status).toBe(200);
    const me = await meGet(raw("/api/me", { cookie: viaApi.cookie }));
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual(errorBody("unauthorized"));

    // Disabled behind the app's back (sessions not revoked): the guard itself must refuse.
    const otherAdmin = await createUserWithSession("admin");
    expect((await meGet(raw("/api/me", { cookie: otherAdmin.cookie }))).status).toBe(200);
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, otherAdmin.user.id));
    expect((await snapshot(otherAdmin.user.id)).sessions[0].revokedAt).toBeNull();
    expect((await meGet(raw("/api/me", { cookie: otherAdmin.cookie }))).status).toBe(401);
    const email = uniqueEmail("by-disabled");
    const created = await createInvitationRoute(raw("/api/invitations", { body: { email }, headers: { origin: ORIGIN }, cookie: otherAdmin.cookie }));
    expect(created.status).toBe(401);
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);

    // Disabling through the API revoked the sessions for good: re-enabling does not revive them.
    expect((await updateUser(db, { id: viaApi.user.id, actorUserId: admin.user.id, disabled: false })).ok).toBe(true);
    expect((await meGet(raw("/api/me", { cookie: viaApi.cookie }))).status).toBe(401);
  });
});

// ---------------------------------------------------------------------------------------------
// Enumeration
// ---------------------------------------------------------------------------------------------

/** Headers that may legitimately differ between two responses. */
const VOLATILE = new Set(["date", "x-request-id"]);

function stableHeaders(res: Response): Array<[string, string]> {
  return [...res.headers].filter(([k]) => !VOLATILE.has(k)).sort(([a], [b]) => a.localeCompare(b));
}

describe("failures do not reveal what exists", () => {
  it("login: unknown email, known email + wrong password, unclaimed and disabled accounts answer byte-for-byte the same", async () => {
    const known = await createUserWithSession("member");
    const disabled = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));
    const pending = await inviteUser();

    const attempt = (email: string, password: string) =>
      login(raw("/api/auth/login", { body: { email, password }, headers: { origin: ORIGIN } }));
    const cases: Array<[string, Response]> = [
      ["unknown email", await attempt(uniqueEmail("nobody"), strongPassword())],
      ["known email, wrong password", await attempt(known.user.email, strongPassword())],
      ["known email in other case, wrong password", await attempt(known.user.email.toUpperCase(), strongPassword())],
      ["unclaimed invitee", await attempt(pending.email, strongPassword())],
      ["disabled user, right password", await attempt(disabled.user.email, disabled.password)],
    ];
    const [, first] = cases[0];
    const firstBytes = await first.clone().text();
    expect(first.status).toBe(401);
    expect(JSON.parse(firstBytes)).toEqual(errorBody("invalid_credentials"));
    for (const [label, res] of cases) {
      expect(res.status, label).toBe(first.status);
      expect(await res.text(), label).toBe(firstBytes);
      expect(res.headers.get("set-cookie"), label).toBeNull();
      expect(stableHeaders(res), label).toEqual(stableHeaders(first));
    }
    // None of them produced a session.
    expect((await snapshot(known.user.id)).sessions).toHaveLength(1);
    expect((await snapshot(disabled.user.id)).sessions).toHaveLength(1);
  });

  it("get_token: any well-formed random 43-character secret gets the same 404 body", async () => {
    const bodies = new Set<string>();
    const headerSets = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const secret = randomBytes(32).toString("base64url");
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const res = await getToken(raw(`/api/onboarding/get_token?token=${secret}`));
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(text).not.toContain(secret);
      bodies.add(text);
      headerSets.add(JSON.stringify(stableHeaders(res)));
    }
    expect(bodies.size).toBe(1);
    expect(headerSets.size).toBe(1);
    expect(JSON.parse([...bodies][0])).toEqual(errorBody("invitation_not_found"));
  });

  it("claim_token: a random JWT with an unknown link and with an existing-but-used link gets identical 401s", async () => {
    const used = await inviteUser();
    const jwt = await onboardingJwt(used.secret);
    const claimed = await claim(
      raw("/api/onboarding/claim_token", { body: { token: used.secret, password: strongPassword() }, headers: { origin: ORIGIN, authorization: `Bearer ${jwt}` } }),
    );
    expect(claimed.status).toBe(200);
    const revokedInv = await inviteUser();
    const db = await getDb();
    await db.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, revokedInv.id));
    const live = await inviteUser();

    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const randomJwts = [
      `${b64({ alg: "HS256", typ: "onboarding+jwt" })}.${b64({ sub: randomUUID(), inv: randomUUID(), exp: 9999999999 })}.${randomBytes(32).toString("base64url")}`,
      `${randomBytes(20).toString("base64url")}.${randomBytes(40).toString("base64url")}.${randomBytes(32).toString("base64url")}`,
    ];
    for (const randomJwt of randomJwts) {
      const responses: Array<[string, Response]> = [];
      for (const [label, secret] of [
        ["unknown link", randomBytes(32).toString("base64url")],
        ["used link", used.secret],
        ["revoked link", revokedInv.secret],
        ["live link", live.secret],
      ] as const) {
        responses.push([
          label,
          await claim(
            raw("/api/onboarding/claim_token", {
              body: { token: secret, password: strongPassword() },
              headers: { origin: ORIGIN, authorization: `Bearer ${randomJwt}` },
            }),
          ),
        ]);
      }
      const [, first] = responses[0];
      const firstBytes = await first.clone().text();
      expect(first.status).toBe(401);
      expect(JSON.parse(firstBytes)).toEqual(errorBody("invalid_onboarding_token"));
      for (const [label, res] of responses) {
        expect(res.status, label).toBe(401);
        expect(await res.text(), label).toBe(firstBytes);
        expect(stableHeaders(res), label).toEqual(stableHeaders(first));
      }
    }
    // The live link was not touched.
    const [liveRow] = await db.select().from(invitations).where(and(eq(invitations.id, live.id)));
    expect(liveRow.isAccepted).toBe(false);
    expect(liveRow.revokedAt).toBeNull();
  });
});
