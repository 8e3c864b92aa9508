import { randomInt, randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, users } from "@/db/schema";
import { sha256Hex } from "@/lib/auth/tokens";
import { canonicalEmail } from "@/lib/email";
import { decodeCursor, encodeCursor } from "@/lib/keyset";
import { rows } from "@/lib/rate-limit";
import { body, createUserWithSession, inviteUser, request, strongPassword, uniqueEmail } from "@/lib/testing/api";
import { GET as getToken } from "../onboarding/get_token/route";
import { POST as claim } from "../onboarding/claim_token/route";
import { POST as reissue } from "./[id]/reissue/route";
import { POST as revoke } from "./[id]/revoke/route";
import { GET, POST } from "./route";

type Created = { invitation: { id: string; email: string; role: string; kind: string; url: string; expires_at: string } };
type Item = {
  id: string;
  email: string;
  role: string;
  kind: string;
  status: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
};
type Listed = { invitations: Item[]; next_cursor: string | null };
type ErrorBody = { error: { code: string; message: string } };

const URL_RE = /^http:\/\/localhost:3000\/onboarding\?token=([A-Za-z0-9_-]{43})$/;
const params = (id: string) => ({ params: Promise.resolve({ id }) });

function invite(cookie: string, payload: unknown) {
  return POST(request("/api/invitations", { body: payload, cookie }));
}

function secretOf(url: string): string {
  return URL_RE.exec(url)![1];
}

/** A distinct client address per call, so rate-limit counters never carry over (also on a shared Postgres). */
function randomIp(): string {
  const b = randomUUID().replaceAll("-", "");
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

async function getTokenStatus(secret: string) {
  const res = await getToken(request(`/api/onboarding/get_token?token=${secret}`, { ip: randomIp() }));
  return { status: res.status, body: await body<Record<string, unknown> & ErrorBody>(res) };
}

describe("POST /api/invitations", () => {
  it("as admin: 201 with id, email, role, a one-time url and a 7-day expiry", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("new");
    const before = Date.now();
    const res = await invite(admin.cookie, { email, role: "member" });
    expect(res.status).toBe(201);
    const json = await body<Created>(res);
    expect(Object.keys(json.invitation).sort()).toEqual(["email", "emailed", "expires_at", "id", "kind", "locale", "role", "url"]);
    expect(json.invitation).toMatchObject({ email, role: "member", kind: "invite" });
    expect(json.invitation.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(json.invitation.url).toMatch(URL_RE);
    const expires = Date.parse(json.invitation.expires_at);
    expect(Math.abs(expires - (before + 7 * 86400_000))).toBeLessThan(10_000);
    expect(res.headers.get("cache-control")).toBe("no-store");

    const db = await getDb();
    const [row] = await db.select().from(invitations).where(eq(invitations.id, json.invitation.id));
    expect(row.tokenHash).toBe(sha256Hex(secretOf(json.invitation.url)));
    expect(row.createdBy).toBe(admin.user.id);
    expect(row.expiresAt.toISOString()).toBe(json.invitation.expires_at);
  });

  it("defaults the role to member and accepts admin", async () => {
    const admin = await createUserWithSession("admin");
    expect((await body<Created>(await invite(admin.cookie, { email: uniqueEmail() }))).invitation.role).toBe("member");
    expect((await body<Created>(await invite(admin.cookie, { email: uniqueEmail(), role: "admin" }))).invitation.role).toBe("admin");
  });

  it.each([
    [0, 400],
    [-5, 400],
    [1.5, 400],
    [2592001, 400],
    ["60", 400],
    [1, 201],
    [2592000, 201],
  ])("expires_in_seconds %j → %i", async (seconds, status) => {
    const admin = await createUserWithSession("admin");
    const before = Date.now();
    const res = await invite(admin.cookie, { email: uniqueEmail("bounds"), expires_in_seconds: seconds });
    expect(res.status).toBe(status);
    if (status === 201) {
      const expires = Date.parse((await body<Created>(res)).invitation.expires_at);
      expect(Math.abs(expires - (before + (seconds as number) * 1000))).toBeLessThan(10_000);
    } else {
      const err = await body<ErrorBody>(res);
      expect(err.error.code).toBe("invalid_request");
      expect(err.error.message).toMatch(/expires_in_seconds/);
    }
  });

  it.each([
    ["missing email", { role: "member" }],
    ["not an email", { email: "not-an-email" }],
    ["two @", { email: "a@b@c" }],
    ["spaces", { email: "a b@example.com" }],
    ["unknown role", { email: "x@example.com", role: "owner" }],
  ])("400 invalid_request for %s", async (_label, payload) => {
    const admin = await createUserWithSession("admin");
    const res = await invite(admin.cookie, payload);
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("403 forbidden for a member, and nothing is created", async () => {
    const member = await createUserWithSession("member");
    const email = uniqueEmail("by-member");
    const res = await invite(member.cookie, { email });
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });

  it("401 unauthorized without a session", async () => {
    const res = await POST(request("/api/invitations", { body: { email: uniqueEmail() } }));
    expect(res.status).toBe(401);
    expect((await body<ErrorBody>(res)).error.code).toBe("unauthorized");
  });

  it("403 csrf_rejected from another origin, even for an admin", async () => {
    const admin = await createUserWithSession("admin");
    const res = await POST(request("/api/invitations", { body: { email: uniqueEmail() }, cookie: admin.cookie, headers: { origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("csrf_rejected");
  });

  it("409 user_exists for an email that already has an account, in any case", async () => {
    const admin = await createUserWithSession("admin");
    const existing = await createUserWithSession("member");
    const res = await invite(admin.cookie, { email: existing.user.email.toUpperCase(), role: "admin" });
    expect(res.status).toBe(409);
    expect((await body<ErrorBody>(res)).error.code).toBe("user_exists");
    const db = await getDb();
    const [u] = await db.select().from(users).where(eq(users.id, existing.user.id));
    expect(u.role).toBe("member");
  });

  it("re-inviting a pending email with replace: true kills the old link", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("again");
    const first = await body<Created>(await invite(admin.cookie, { email }));
    const second = await body<Created>(await invite(admin.cookie, { email: email.toUpperCase(), role: "admin", replace: true }));
    expect(second.invitation.role).toBe("admin");
    expect((await getTokenStatus(secretOf(first.invitation.url))).body.error.code).toBe("invitation_revoked");
    expect((await getTokenStatus(secretOf(second.invitation.url))).status).toBe(200);
  });
});

describe("GET /api/invitations", () => {
  it("lists pending, accepted, expired and revoked invitations with the right status and no secret", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const pending = await inviteUser(uniqueEmail("pending"));
    const accepted = await inviteUser(uniqueEmail("accepted"));
    const expired = await inviteUser(uniqueEmail("expired"));
    const revoked = await inviteUser(uniqueEmail("revoked"));

    // accepted: through the real onboarding flow
    const jwt = (await getTokenStatus(accepted.secret)).body.onboarding_token as string;
    const claimed = await claim(
      request("/api/onboarding/claim_token", { body: { token: accepted.secret, password: strongPassword() }, headers: { authorization: `Bearer ${jwt}` }, ip: randomIp() }),
    );
    expect(claimed.status).toBe(200);
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, expired.id));
    expect((await revoke(request(`/api/invitations/${revoked.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(revoked.id))).status).toBe(200);

    const res = await GET(request("/api/invitations?limit=100", { cookie: admin.cookie }));
    expect(res.status).toBe(200);
    const text = await res.text();
    const json = JSON.parse(text) as Listed;
    const byId = new Map(json.invitations.map((i) => [i.id, i]));
    expect(byId.get(pending.id)).toMatchObject({ email: pending.email, role: "member", status: "pending", accepted_at: null });
    expect(byId.get(accepted.id)).toMatchObject({ email: accepted.email, status: "accepted" });
    expect(byId.get(accepted.id)!.accepted_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byId.get(expired.id)).toMatchObject({ status: "expired" });
    expect(byId.get(revoked.id)).toMatchObject({ status: "revoked" });
    for (const i of json.invitations) {
      expect(Object.keys(i).sort()).toEqual(["accepted_at", "created_at", "delivery", "email", "expires_at", "id", "invited_by", "kind", "locale", "revoked_at", "role", "status"]);
    }

    for (const inv of [pending, accepted, expired, revoked]) {
      expect(text).not.toContain(inv.secret);
      expect(text).not.toContain(sha256Hex(inv.secret));
    }
    expect(text).not.toMatch(/token_hash|tokenHash|onboarding\?token=|"url"/);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("403 for a member, 401 without a session", async () => {
    const member = await createUserWithSession("member");
    const forbidden = await GET(request("/api/invitations", { cookie: member.cookie }));
    expect(forbidden.status).toBe(403);
    expect((await body<ErrorBody>(forbidden)).error.code).toBe("forbidden");
    const anonymous = await GET(request("/api/invitations"));
    expect(anonymous.status).toBe(401);
  });
});

describe("POST /api/invitations/[id]/revoke", () => {
  it("revokes a pending invitation: its link then answers 410 invitation_revoked", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    expect((await getTokenStatus(inv.secret)).status).toBe(200);
    const res = await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({ ok: true });
    const after = await getTokenStatus(inv.secret);
    expect(after.status).toBe(410);
    expect(after.body.error.code).toBe("invitation_revoked");
  });

  it("409 invitation_not_pending the second time", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    const res = await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(409);
    expect((await body<ErrorBody>(res)).error.code).toBe("invitation_not_pending");
  });

  it("404 invitation_not_found for an unknown id and for a malformed id (not 500)", async () => {
    const admin = await createUserWithSession("admin");
    for (const id of [randomUUID(), "not-a-uuid", "1; DROP TABLE invitations", "", "00000000-0000-0000-0000-00000000000g"]) {
      const res = await revoke(request(`/api/invitations/x/revoke`, { method: "POST", cookie: admin.cookie }), params(id));
      expect(res.status, id).toBe(404);
      expect((await body<ErrorBody>(res)).error.code, id).toBe("invitation_not_found");
    }
  });

  it("403 for a member, 401 without a session, 403 cross-site; the link stays valid", async () => {
    const member = await createUserWithSession("member");
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const path = `/api/invitations/${inv.id}/revoke`;
    expect((await revoke(request(path, { method: "POST", cookie: member.cookie }), params(inv.id))).status).toBe(403);
    expect((await revoke(request(path, { method: "POST" }), params(inv.id))).status).toBe(401);
    const csrf = await revoke(request(path, { method: "POST", cookie: admin.cookie, headers: { origin: "https://evil.example" } }), params(inv.id));
    expect(csrf.status).toBe(403);
    expect((await body<ErrorBody>(csrf)).error.code).toBe("csrf_rejected");
    expect((await getTokenStatus(inv.secret)).status).toBe(200);
  });
});

describe("POST /api/invitations/[id]/reissue", () => {
  it("201 with a new link for the same email and role; the old link is revoked", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser(uniqueEmail("reissue"), "admin");
    const res = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(201);
    const json = await body<Created>(res);
    expect(json.invitation).toMatchObject({ email: inv.email, role: "admin" });
    expect(json.invitation.id).not.toBe(inv.id);
    expect(json.invitation.url).toMatch(URL_RE);
    expect(secretOf(json.invitation.url)).not.toBe(inv.secret);
    expect((await getTokenStatus(inv.secret)).body.error.code).toBe("invitation_revoked");
    expect((await getTokenStatus(secretOf(json.invitation.url))).status).toBe(200);
  });

  it("reissues a revoked invitation", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    const res = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(201);
    expect((await getTokenStatus(secretOf((await body<Created>(res)).invitation.url))).status).toBe(200);
  });

  it("404 for unknown and malformed ids, 409 user_exists once claimed, 403 for a member", async () => {
    const admin = await createUserWithSession("admin");
    for (const id of [randomUUID(), "nope"]) {
      const res = await reissue(request(`/api/invitations/x/reissue`, { method: "POST", cookie: admin.cookie }), params(id));
      expect(res.status).toBe(404);
      expect((await body<ErrorBody>(res)).error.code).toBe("invitation_not_found");
    }
    const inv = await inviteUser();
    const db = await getDb();
    await db.update(users).set({ passwordHash: "$2b$04$placeholder" }).where(eq(users.email, inv.email));
    const claimed = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(claimed.status).toBe(409);
    expect((await body<ErrorBody>(claimed)).error.code).toBe("user_exists");

    const member = await createUserWithSession("member");
    const other = await inviteUser();
    const forbidden = await reissue(request(`/api/invitations/${other.id}/reissue`, { method: "POST", cookie: member.cookie }), params(other.id));
    expect(forbidden.status).toBe(403);
    expect((await getTokenStatus(other.secret)).status).toBe(200);
  });
});

// ---- Listing: keyset pages, status filter and search ----------------------------------------------

/** A tag only these rows' addresses contain, so a shared Postgres database's other rows never match. */
function tag(): string {
  return `t${randomInt(1e9, 2e9)}`;
}

/** n pending users and their invitations, made by ONE statement (so every created_at is the same now()). */
async function seedOneStatement(prefix: string, n: number, createdBy: string | null, createdAt = sql`now()`) {
  const db = await getDb();
  await db.execute(sql`
    WITH u AS (
      INSERT INTO users (email, email_canonical, role)
      SELECT ${prefix} || '-' || i || '@example.com', ${prefix} || '-' || i || '@example.com', 'member'
      FROM generate_series(1, ${n}::int) AS i
      RETURNING id, email_canonical, role)
    INSERT INTO invitations (user_id, role, email_canonical, token_hash, created_by, created_at, expires_at)
    SELECT id, role, email_canonical, md5(random()::text) || md5(id::text), ${createdBy}::uuid, ${createdAt}, now() + interval '7 days'
    FROM u`);
}

async function list(cookie: string, query: string) {
  const res = await GET(request(`/api/invitations?${query}`, { cookie }));
  return { status: res.status, json: await body<Listed & ErrorBody>(res) };
}

/** Every page of a query, following next_cursor. */
async function allPages(cookie: string, query: string, between?: (page: number) => Promise<void>) {
  const pages: Item[][] = [];
  let cursor: string | null = null;
  do {
    const { status, json } = await list(cookie, `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(status).toBe(200);
    pages.push(json.invitations);
    cursor = json.next_cursor;
    if (cursor && between) await between(pages.length);
    expect(pages.length).toBeLessThan(1000);
  } while (cursor);
  return pages;
}

describe("GET /api/invitations: keyset pages", () => {
  it("200 rows inserted by one statement, paged 7 at a time: each seen exactly once, newest first then by id", async () => {
    const admin = await createUserWithSession("admin");
    const prefix = `page-${tag()}`;
    await seedOneStatement(prefix, 200, admin.user.id);
    const pages = await allPages(admin.cookie, `q=${prefix}-&limit=7`);
    expect(pages).toHaveLength(Math.ceil(200 / 7));
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    const ids = pages.flat().map((i) => i.id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    // One statement: one created_at, so the order is the id's, descending.
    expect(new Set(pages.flat().map((i) => i.created_at)).size).toBe(1);
    expect([...ids].sort().reverse()).toEqual(ids);
    expect(pages.flat().every((i) => i.invited_by === admin.user.email && i.status === "pending" && i.kind === "invite")).toBe(true);
  });

  it("rows a microsecond apart (one millisecond) are neither skipped nor repeated: the cursor keeps microseconds", async () => {
    const admin = await createUserWithSession("admin");
    const prefix = `micro-${tag()}`;
    await seedOneStatement(prefix, 60, admin.user.id, sql`date_trunc('milliseconds', now()) + floor(random() * 999) * interval '1 microsecond'`);
    const ids = (await allPages(admin.cookie, `q=${prefix}-&limit=7`)).flat().map((i) => i.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    const db = await getDb();
    const exact = rows<{ id: string }>(
      await db.execute(sql`SELECT id FROM invitations WHERE email_canonical LIKE ${`${prefix}-%`} ORDER BY created_at DESC, id DESC`),
    ).map((r) => r.id);
    expect(ids).toEqual(exact);
  });

  it("a cursor stays correct while rows are inserted between pages", async () => {
    const admin = await createUserWithSession("admin");
    const prefix = `moving-${tag()}`;
    await seedOneStatement(`${prefix}-a`, 30, admin.user.id);
    const pages = await allPages(admin.cookie, `q=${prefix}-&limit=10`, async (n) => {
      // newer rows (before the cursor) and rows at the very same created_at as the first batch
      await seedOneStatement(`${prefix}-new${n}`, 5, admin.user.id);
      await inviteUser(`${prefix}-single${n}@example.com`);
    });
    const seen = pages.flat().map((i) => i.id);
    expect(new Set(seen).size).toBe(seen.length);
    const db = await getDb();
    const original = rows<{ id: string }>(
      await db.execute(sql`SELECT id FROM invitations WHERE email_canonical LIKE ${`${prefix}-a-%`} ORDER BY created_at DESC, id DESC`),
    ).map((r) => r.id);
    expect(original).toHaveLength(30);
    expect(seen.filter((id) => original.includes(id))).toEqual(original);
  });

  it("the default page is 50 and next_cursor is null on the last page", async () => {
    const admin = await createUserWithSession("admin");
    const prefix = `dflt-${tag()}`;
    await seedOneStatement(prefix, 51, null);
    const first = await list(admin.cookie, `q=${prefix}-`);
    expect(first.json.invitations).toHaveLength(50);
    expect(first.json.next_cursor).toEqual(expect.any(String));
    expect(first.json.invitations[0].invited_by).toBeNull();
    const second = await list(admin.cookie, `q=${prefix}-&cursor=${encodeURIComponent(first.json.next_cursor!)}`);
    expect(second.json.invitations).toHaveLength(1);
    expect(second.json.next_cursor).toBeNull();
    const exact = await list(admin.cookie, `q=${prefix}-&limit=51`);
    expect(exact.json.invitations).toHaveLength(51);
    expect(exact.json.next_cursor).toBeNull();
  });

  it("400 invalid_request for malformed, edited, another list's and another deployment's cursors", async () => {
    const admin = await createUserWithSession("admin");
    const prefix = `cur-${tag()}`;
    await seedOneStatement(prefix, 3, null);
    const good = (await list(admin.cookie, `q=${prefix}-&limit=1`)).json.next_cursor!;
    const at = decodeCursor("invitations", good)!;
    const [payload, mac] = good.split(".");
    const edited = `${Buffer.from(`2020-01-01T00:00:00.000000Z|${at.id}`).toString("base64url")}.${mac}`;
    const saved = process.env.AUTH_SECRET;
    process.env.AUTH_SECRET = "another-deployment-secret-0123456789-abcdef";
    const otherDeployment = encodeCursor("invitations", at);
    process.env.AUTH_SECRET = saved;
    for (const cursor of [
      "",
      "garbage",
      "a.b.c",
      `${payload}.${mac}x`,
      `${payload}`,
      edited,
      encodeCursor("users", at),
      encodeCursor("audit", at),
      otherDeployment,
      "x".repeat(300),
      "%ZZ",
    ]) {
      const { status, json } = await list(admin.cookie, `cursor=${encodeURIComponent(cursor)}`);
      expect(status, cursor).toBe(400);
      expect(json.error.code, cursor).toBe("invalid_request");
    }
    expect((await list(admin.cookie, `q=${prefix}-&limit=1&cursor=${encodeURIComponent(good)}`)).status).toBe(200);
  });

  it.each([
    ["limit=0"],
    ["limit=101"],
    ["limit=abc"],
    ["limit=-1"],
    ["limit=1.5"],
    ["limit=1e1"],
    ["limit="],
    ["status=open"],
    ["status=PENDING"],
    ["status="],
    ["q=ab"],
    [`q=${"a".repeat(255)}`],
    ["q="],
  ])("400 invalid_request JSON for %s", async (query) => {
    const admin = await createUserWithSession("admin");
    const res = await GET(request(`/api/invitations?${query}`, { cookie: admin.cookie }));
    expect(res.status).toBe(400);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("accepts limit 1 and 100, q of 3 and 254 characters", async () => {
    const admin = await createUserWithSession("admin");
    for (const query of ["limit=1", "limit=100", "q=abc", `q=${"a".repeat(254)}`]) {
      expect((await list(admin.cookie, query)).status, query).toBe(200);
    }
  });
});

describe("GET /api/invitations: status filter and search", () => {
  it("each status filter returns exactly its invitations (computed in SQL, invitationStatus's precedence)", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const t = tag();
    const pending = await inviteUser(`st-${t}-pending@example.com`);
    const accepted = await inviteUser(`st-${t}-accepted@example.com`);
    const expired = await inviteUser(`st-${t}-expired@example.com`);
    const revoked = await inviteUser(`st-${t}-revoked@example.com`);
    const revokedExpired = await inviteUser(`st-${t}-revexp@example.com`);
    await db.update(invitations).set({ isAccepted: true, acceptedAt: new Date() }).where(eq(invitations.id, accepted.id));
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, expired.id));
    await db.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, revoked.id));
    await db.update(invitations).set({ revokedAt: new Date(), expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, revokedExpired.id));
    const want: Record<string, string[]> = {
      pending: [pending.id],
      accepted: [accepted.id],
      expired: [expired.id],
      revoked: [revokedExpired.id, revoked.id],
    };
    for (const [status, ids] of Object.entries(want)) {
      const { json } = await list(admin.cookie, `status=${status}&q=st-${t}-`);
      expect(json.invitations.map((i) => i.id), status).toEqual(ids);
      expect(json.invitations.every((i) => i.status === status)).toBe(true);
    }
    const all = await list(admin.cookie, `q=st-${t}-`);
    expect(all.json.invitations).toHaveLength(5);
    const rev = all.json.invitations.find((i) => i.id === revoked.id)!;
    expect(rev.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(all.json.invitations.find((i) => i.id === accepted.id)!.accepted_at).toMatch(/Z$/);
    expect(all.json.invitations.find((i) => i.id === pending.id)).toMatchObject({ revoked_at: null, accepted_at: null, role: "member", kind: "invite" });
  });

  it("role is the role that invitation granted, not the user's role now", async () => {
    const admin = await createUserWithSession("admin");
    const t = tag();
    const first = await body<Created>(await invite(admin.cookie, { email: `role-${t}@example.com`, role: "member" }));
    await invite(admin.cookie, { email: `role-${t}@example.com`, role: "admin", replace: true });
    const { json } = await list(admin.cookie, `q=role-${t}`);
    expect(json.invitations.map((i) => i.role)).toEqual(["admin", "member"]);
    expect(json.invitations[1].id).toBe(first.invitation.id);
    expect(json.invitations.every((i) => i.invited_by === admin.user.email)).toBe(true);
  });

  it("q matches %, _ and \\ literally", async () => {
    const admin = await createUserWithSession("admin");
    const t = tag();
    const names = ["a%b", "axb", "a_b", "ayb", "a\\b", "a\\\\b"];
    const made = new Map<string, string>();
    for (const n of names) made.set(n, (await inviteUser(`esc-${t}-${n}@example.com`)).id);
    const find = async (part: string) =>
      (await list(admin.cookie, `q=${encodeURIComponent(`esc-${t}-${part}`)}`)).json.invitations.map((i) => i.id).sort();
    expect(await find("a%b")).toEqual([made.get("a%b")]);
    expect(await find("a_b")).toEqual([made.get("a_b")]);
    expect(await find("a\\b")).toEqual([made.get("a\\b")]);
    expect(await find("a\\\\b")).toEqual([made.get("a\\\\b")]);
    expect(await find("a")).toHaveLength(names.length);
    expect(await find("%")).toEqual([]);
    expect(await find("_")).toEqual([]);
    // A fullwidth percent sign folds to "%" and is literal too.
    expect(await find("a\uFF05b")).toEqual([made.get("a%b")]);
  });

  it("q is case-insensitive the way addresses are (canonical form): ΟΔΟΣ finds οδος, STRASSE finds straße", async () => {
    const admin = await createUserWithSession("admin");
    const n = randomInt(1e8, 9e8);
    const greek = await inviteUser(`οδος${n}@example.com`);
    const german = await inviteUser(`straße${n}@example.com`);
    const latin = await inviteUser(`Mixed.Case${n}@Example.com`);
    const ids = async (q: string) => (await list(admin.cookie, `q=${encodeURIComponent(q)}`)).json.invitations.map((i) => i.id);
    expect(await ids(`ΟΔΟΣ${n}`)).toEqual([greek.id]);
    expect(await ids(`οδοσ${n}`)).toEqual([greek.id]);
    expect(await ids(`STRASSE${n}`)).toEqual([german.id]);
    expect(await ids(`mixed.case${n}@EXAMPLE`)).toEqual([latin.id]);
    expect((await list(admin.cookie, `q=${encodeURIComponent(`mixed.case${n}`)}`)).json.invitations[0].email).toBe(`Mixed.Case${n}@Example.com`);
  });
});

// ---- A live pending invitation is not replaced unless the request says so ----------------------

async function eventsFor(invitationId: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(eq(auditEvents.invitationId, invitationId)).orderBy(auditEvents.createdAt);
}

async function stateOf(email: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.emailCanonical, canonicalEmail(email)));
  const invs = await db.select().from(invitations).where(eq(invitations.userId, user.id)).orderBy(invitations.createdAt);
  const events = await db.select().from(auditEvents).where(eq(auditEvents.targetUserId, user.id));
  return { user, invitations: invs, events: events.length };
}

describe("POST /api/invitations: invitation_pending and replace", () => {
  it("409 invitation_pending for a live pending invitation (any case), and nothing is written: role, link and audit trail unchanged", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("pending");
    const first = await body<Created>(await invite(admin.cookie, { email, role: "member" }));
    const before = await stateOf(email);
    for (const payload of [{ email: email.toUpperCase(), role: "admin" }, { email, role: "admin", replace: false }]) {
      const res = await invite(admin.cookie, payload);
      expect(res.status).toBe(409);
      expect((await body<ErrorBody>(res)).error.code).toBe("invitation_pending");
    }
    expect(await stateOf(email)).toEqual(before);
    expect((await getTokenStatus(secretOf(first.invitation.url))).status).toBe(200);
  });

  it("replace: true revokes the old link and says so twice in the audit trail: invitation.revoked (by_reinvite) and invitation.replaced", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("replace");
    const first = await body<Created>(await invite(admin.cookie, { email }));
    const res = await POST(request("/api/invitations", { body: { email, role: "admin", replace: true }, cookie: admin.cookie, headers: { "user-agent": "replace-test" }, ip: "192.0.2.7" }));
    expect(res.status).toBe(201);
    const second = await body<Created>(res);
    expect(second.invitation).toMatchObject({ role: "admin", kind: "invite" });
    expect((await getTokenStatus(secretOf(first.invitation.url))).body.error.code).toBe("invitation_revoked");
    const revokedEvents = (await eventsFor(first.invitation.id)).filter((e) => e.action === "invitation.revoked");
    expect(revokedEvents).toHaveLength(1);
    expect(revokedEvents[0]).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, ip: "192.0.2.7", userAgent: "replace-test" });
    expect(revokedEvents[0].details).toMatchObject({ reason: "by_reinvite", replaced_by: second.invitation.id, expired: false });
    expect((await eventsFor(second.invitation.id)).map((e) => e.action)).toEqual(["invitation.replaced"]);
  });

  it("an expired invitation never blocks: 201 without replace (its row is closed, audit reason by_reinvite)", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("expired");
    const first = await body<Created>(await invite(admin.cookie, { email }));
    const db = await getDb();
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, first.invitation.id));
    const res = await invite(admin.cookie, { email });
    expect(res.status).toBe(201);
    const second = await body<Created>(res);
    expect((await eventsFor(second.invitation.id)).map((e) => e.action)).toEqual(["invitation.created"]);
    const closed = (await eventsFor(first.invitation.id)).find((e) => e.action === "invitation.revoked");
    expect(closed?.details).toMatchObject({ reason: "by_reinvite", expired: true });
  });

  it("a revoked invitation never blocks", async () => {
    const admin = await createUserWithSession("admin");
    const email = uniqueEmail("revoked");
    const first = await body<Created>(await invite(admin.cookie, { email }));
    await revoke(request(`/api/invitations/${first.invitation.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(first.invitation.id));
    expect((await invite(admin.cookie, { email })).status).toBe(201);
  });

  it("409 user_exists still wins over replace for a claimed account", async () => {
    const admin = await createUserWithSession("admin");
    const existing = await createUserWithSession("member");
    const res = await invite(admin.cookie, { email: existing.user.email, replace: true });
    expect(res.status).toBe(409);
    expect((await body<ErrorBody>(res)).error.code).toBe("user_exists");
  });

  it("400 invalid_request for a non-boolean replace", async () => {
    const admin = await createUserWithSession("admin");
    for (const replace of ["true", 1, null]) {
      const res = await invite(admin.cookie, { email: uniqueEmail(), replace });
      expect(res.status).toBe(400);
      expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
    }
  });
});

describe("revocations are audit events with a reason", () => {
  it("explicit revoke: invitation.revoked, reason by_admin, with the request's ip and user agent", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const res = await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie, headers: { "user-agent": "ua-revoke" }, ip: "192.0.2.9" }), params(inv.id));
    expect(res.status).toBe(200);
    const events = (await eventsFor(inv.id)).filter((e) => e.action === "invitation.revoked");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: admin.user.id, ip: "192.0.2.9", userAgent: "ua-revoke", details: { reason: "by_admin" } });
  });

  it("re-issue: the old link's invitation.revoked (by_reissue), the new one's invitation.reissued", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const res = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(201);
    const fresh = await body<Created>(res);
    expect(fresh.invitation.kind).toBe("invite");
    const old = (await eventsFor(inv.id)).filter((e) => e.action === "invitation.revoked");
    expect(old).toHaveLength(1);
    expect(old[0]).toMatchObject({ actorUserId: admin.user.id, details: { reason: "by_reissue", replaced_by: fresh.invitation.id } });
    expect((await eventsFor(fresh.invitation.id)).map((e) => e.action)).toEqual(["invitation.reissued"]);
  });

  it("re-issuing an already revoked link revokes nothing more (one event for the one revocation)", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    await revoke(request(`/api/invitations/${inv.id}/revoke`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    const res = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(201);
    const reasons = (await eventsFor(inv.id)).filter((e) => e.action === "invitation.revoked").map((e) => e.details.reason);
    expect(reasons).toEqual(["by_admin"]);
  });
});

// ---- INVITE_DOMAINS ----------------------------------------------------------------------------

describe("INVITE_DOMAINS", () => {
  const saved = process.env.INVITE_DOMAINS;
  afterEach(() => {
    if (saved === undefined) delete process.env.INVITE_DOMAINS;
    else process.env.INVITE_DOMAINS = saved;
  });

  it("set: another domain → 400 domain_not_allowed and nothing written; listed domains pass in any case or Unicode form", async () => {
    const admin = await createUserWithSession("admin");
    process.env.INVITE_DOMAINS = "example.com, Example.ORG";
    const refused = `out-${tag()}@example.net`;
    for (const email of [refused, `x-${tag()}@sub.example.com`, `x-${tag()}@example.com.evil.net`]) {
      const res = await invite(admin.cookie, { email });
      expect(res.status, email).toBe(400);
      expect((await body<ErrorBody>(res)).error.code).toBe("domain_not_allowed");
    }
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.emailCanonical, refused))).toHaveLength(0);
    for (const email of [`in-${tag()}@EXAMPLE.COM`, `in-${tag()}@example.org`, `in-${tag()}@ｅｘａｍｐｌｅ.com`, `in-${tag()}@example.org.`]) {
      expect((await invite(admin.cookie, { email })).status, email).toBe(201);
    }
  });

  it("re-issue is refused for a domain no longer allowed", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser(`old-${tag()}@example.net`);
    process.env.INVITE_DOMAINS = "example.com";
    const res = await reissue(request(`/api/invitations/${inv.id}/reissue`, { method: "POST", cookie: admin.cookie }), params(inv.id));
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("domain_not_allowed");
    expect((await getTokenStatus(inv.secret)).status).toBe(200);
  });

  it("unset: every domain", async () => {
    const admin = await createUserWithSession("admin");
    delete process.env.INVITE_DOMAINS;
    expect((await invite(admin.cookie, { email: `any-${tag()}@anything.example` })).status).toBe(201);
  });
});

describe("JSON bodies over 16 kB are still refused here", () => {
  it("413 payload_too_large for a 20 kB single invite", async () => {
    const admin = await createUserWithSession("admin");
    const res = await POST(request("/api/invitations", { raw: JSON.stringify({ email: uniqueEmail(), pad: "x".repeat(20 * 1024) }), cookie: admin.cookie }));
    expect(res.status).toBe(413);
    expect((await body<ErrorBody>(res)).error.code).toBe("payload_too_large");
  });
});
