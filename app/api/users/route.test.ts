import { randomUUID } from "node:crypto";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, sessions, users } from "@/db/schema";
import { canonicalEmail } from "@/lib/email";
import { encodeCursor } from "@/lib/keyset";
import { body, createUserWithSession, inviteUser, request, strongPassword } from "@/lib/testing/api";
import { dropFreshDatabases, freshDatabase } from "@/lib/testing/fresh-db";
import { raceBehindLocks } from "@/lib/testing/overlap";
import { GET as meGet } from "../me/route";
import { GET as getToken } from "../onboarding/get_token/route";
import { POST as claim } from "../onboarding/claim_token/route";
import { DELETE, PATCH } from "./[id]/route";
import { GET } from "./route";

afterAll(dropFreshDatabases);

type ListedUser = { id: string; email: string; role: string; status: string; created_at: string; last_sign_in_at: string | null };
type ListBody = { users: ListedUser[]; next_cursor: string | null };
const UA = "Mozilla/5.0 (users-route-test)";
type ErrorBody = { error: { code: string; message: string } };

function patch(id: string, payload: unknown, cookie: string, headers?: Record<string, string>, ip?: string) {
  return PATCH(request(`/api/users/${id}`, { method: "PATCH", body: payload, cookie, headers: { "user-agent": UA, ...headers }, ip }), { params: Promise.resolve({ id }) });
}

function del(id: string, cookie?: string, headers?: Record<string, string>, ip?: string) {
  return DELETE(request(`/api/users/${id}`, { method: "DELETE", cookie, headers: { "user-agent": UA, ...headers }, ip }), { params: Promise.resolve({ id }) });
}

async function listReq(query: string, cookie: string) {
  return GET(request(`/api/users${query}`, { cookie }));
}

describe("GET /api/users", () => {
  it("lists users for an admin with their status, and no password hash", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const pending = await inviteUser();
    const disabled = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));

    const res = await GET(request("/api/users", { cookie: admin.cookie }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    const list = (JSON.parse(text) as { users: ListedUser[] }).users;
    // Newest first.
    const times = list.map((u) => Date.parse(u.created_at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(text).not.toMatch(/password_?hash|\$2[aby]\$/i);
    for (const u of list) expect(Object.keys(u).sort()).toEqual(["created_at", "email", "id", "last_sign_in_at", "role", "status"]);
    // All pages (newest first, so these are usually on the first one).
    const all: ListedUser[] = [];
    for (let cursor: string | null = ""; cursor !== null; ) {
      const page: ListBody = await body<ListBody>(await listReq(`?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, admin.cookie));
      all.push(...page.users);
      cursor = page.next_cursor;
    }
    const byEmail = new Map(all.map((u) => [u.email, u]));
    expect(byEmail.get(admin.user.email)).toEqual({
      id: admin.user.id,
      email: admin.user.email,
      role: "admin",
      status: "active",
      created_at: admin.user.createdAt.toISOString(),
      last_sign_in_at: null,
    });
    expect(byEmail.get(member.user.email)).toMatchObject({ role: "member", status: "active" });
    expect(byEmail.get(pending.email)).toMatchObject({ role: "member", status: "pending" });
    expect(byEmail.get(disabled.user.email)).toMatchObject({ status: "disabled" });
  });

  it("403 forbidden for a member, 401 without a session", async () => {
    const member = await createUserWithSession("member");
    const res = await GET(request("/api/users", { cookie: member.cookie }));
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
    const anon = await GET(request("/api/users"));
    expect(anon.status).toBe(401);
    expect((await body<ErrorBody>(anon)).error.code).toBe("unauthorized");
  });
});

describe("PATCH /api/users/[id]", () => {
  it("changes a role", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const res = await patch(member.user.id, { role: "admin" }, admin.cookie);
    expect(res.status).toBe(200);
    expect(await body(res)).toEqual({
      user: { id: member.user.id, email: member.user.email, role: "admin", status: "active", created_at: member.user.createdAt.toISOString(), last_sign_in_at: null },
    });
    // The promoted user can now use admin endpoints.
    expect((await GET(request("/api/users", { cookie: member.cookie }))).status).toBe(200);

    const back = await patch(member.user.id, { role: "member" }, admin.cookie);
    expect((await body<{ user: ListedUser }>(back)).user.role).toBe("member");
    expect((await GET(request("/api/users", { cookie: member.cookie }))).status).toBe(403);
  });

  it("disables a user (signing them out) and enables them again", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const res = await patch(member.user.id, { disabled: true }, admin.cookie);
    expect(res.status).toBe(200);
    expect((await body<{ user: ListedUser }>(res)).user.status).toBe("disabled");
    expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(401);

    const enabled = await patch(member.user.id, { disabled: false }, admin.cookie);
    expect(enabled.status).toBe(200);
    expect((await body<{ user: ListedUser }>(enabled)).user.status).toBe("active");
    // The old session stays revoked.
    expect((await meGet(request("/api/me", { cookie: member.cookie }))).status).toBe(401);
  });

  it("disabling a pending user revokes its invitation", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const db = await getDb();
    const [u] = await db.select().from(users).where(eq(users.email, inv.email));
    const res = await patch(u.id, { disabled: true }, admin.cookie);
    expect(res.status).toBe(200);
    const [row] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row.revokedAt).not.toBeNull();
  });

  it("403 forbidden for a member, and nothing changes", async () => {
    const member = await createUserWithSession("member");
    const target = await createUserWithSession("member");
    const res = await patch(target.user.id, { role: "admin" }, member.cookie);
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
    const self = await patch(member.user.id, { role: "admin" }, member.cookie);
    expect(self.status).toBe(403);
    const db = await getDb();
    const rows = await db.select().from(users).where(eq(users.role, "member"));
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining([member.user.id, target.user.id]));
  });

  it("401 without a session, 403 cross-site", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const anon = await PATCH(request(`/api/users/${member.user.id}`, { method: "PATCH", body: { role: "admin" } }), {
      params: Promise.resolve({ id: member.user.id }),
    });
    expect(anon.status).toBe(401);
    const csrf = await patch(member.user.id, { role: "admin" }, admin.cookie, { origin: "https://evil.example" });
    expect(csrf.status).toBe(403);
    expect((await body<ErrorBody>(csrf)).error.code).toBe("csrf_rejected");
  });

  it("409 cannot_change_self for an admin changing their own role or disabling themselves", async () => {
    const admin = await createUserWithSession("admin");
    for (const payload of [{ role: "member" }, { disabled: true }]) {
      const res = await patch(admin.user.id, payload, admin.cookie);
      expect(res.status).toBe(409);
      expect((await body<ErrorBody>(res)).error.code).toBe("cannot_change_self");
    }
    expect((await meGet(request("/api/me", { cookie: admin.cookie }))).status).toBe(200);
  });

  it("404 user_not_found for unknown and malformed ids (not 500)", async () => {
    const admin = await createUserWithSession("admin");
    for (const id of [randomUUID(), "not-a-uuid", "' OR 1=1 --"]) {
      const res = await patch(id, { role: "member" }, admin.cookie);
      expect(res.status, id).toBe(404);
      expect((await body<ErrorBody>(res)).error.code).toBe("user_not_found");
    }
  });

  it.each([
    ["an empty body", {}],
    ["an unknown role", { role: "owner" }],
    ["a non-boolean disabled", { disabled: "yes" }],
    ["an unknown field", { role: "member", email: "x@example.com" }],
    ["a password hash", { passwordHash: "x" }],
  ])("400 invalid_request for %s", async (_label, payload) => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const res = await patch(member.user.id, payload, admin.cookie);
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("two admins demoting each other at once: one 200, one 403, one admin left", async () => {
    // Needs a database where these two are the only admins. On Postgres both requests pass the
    // route's role check, then wait behind the row locks and go on together.
    await freshDatabase();
    const a = await createUserWithSession("admin");
    const b = await createUserWithSession("admin");
    const [ra, rb] = await raceBehindLocks(
      (tx) => tx.select().from(users).where(inArray(users.id, [a.user.id, b.user.id])).for("update"),
      () => Promise.all([patch(b.user.id, { role: "member" }, a.cookie), patch(a.user.id, { role: "member" }, b.cookie)]),
    );
    expect([ra.status, rb.status].sort()).toEqual([200, 403]);
    const loser = ra.status === 403 ? ra : rb;
    expect((await body<ErrorBody>(loser)).error.code).toBe("forbidden");
    const db = await getDb();
    const admins = await db.select().from(users).where(eq(users.role, "admin"));
    expect(admins).toHaveLength(1);
    expect([a.user.id, b.user.id]).toContain(admins[0].id);
  });

  it("an admin who was demoted can no longer demote anyone (403)", async () => {
    const a = await createUserWithSession("admin");
    const b = await createUserWithSession("admin");
    expect((await patch(b.user.id, { role: "member" }, a.cookie)).status).toBe(200);
    const res = await patch(a.user.id, { role: "member" }, b.cookie);
    expect(res.status).toBe(403);
    const db = await getDb();
    const [row] = await db.select().from(users).where(eq(users.id, a.user.id));
    expect(row.role).toBe("admin");
  });
});

async function events(targetUserId: string, action: string) {
  const db = await getDb();
  return db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, targetUserId), eq(auditEvents.action, action)));
}

async function onboardingJwt(secret: string): Promise<string> {
  const res = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`));
  expect(res.status).toBe(200);
  return (await body<{ onboarding_token: string }>(res)).onboarding_token;
}

function claimRequest(jwt: string, secret: string) {
  return claim(request("/api/onboarding/claim_token", { body: { token: secret, password: strongPassword() }, headers: { authorization: `Bearer ${jwt}` } }));
}

async function userIdOf(email: string): Promise<string> {
  const db = await getDb();
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.emailCanonical, canonicalEmail(email)));
  return u.id;
}

describe("GET /api/users: filters and keyset paging", () => {
  it("filters by q, role and status, and pages with next_cursor exactly once over rows sharing a timestamp", async () => {
    const admin = await createUserWithSession("admin");
    const tag = randomUUID().slice(0, 8);
    const db = await getDb();
    const rows = Array.from({ length: 25 }, (_, i) => {
      const email = `Page-${tag}-${i}@Example.com`;
      return { email, emailCanonical: canonicalEmail(email), role: (i % 5 === 0 ? "admin" : "member") as "admin" | "member", passwordHash: i % 2 ? "x" : null };
    });
    const made = await db.insert(users).values(rows).returning();
    const seen: ListedUser[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await listReq(`?q=${encodeURIComponent(`PAGE-${tag.toUpperCase()}`)}&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, admin.cookie);
      expect(res.status).toBe(200);
      const page: ListBody = await body<ListBody>(res);
      expect(page.users.length).toBeLessThanOrEqual(4);
      seen.push(...page.users);
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(7);
    expect(seen.map((u) => u.id)).toEqual(made.map((u) => u.id).sort().reverse());

    const ids = async (query: string) => (await body<ListBody>(await listReq(`?q=${tag}&${query}`, admin.cookie))).users.map((u) => u.id).sort();
    expect(await ids("role=admin")).toEqual(made.filter((u) => u.role === "admin").map((u) => u.id).sort());
    expect(await ids("status=pending")).toEqual(made.filter((u) => !u.passwordHash).map((u) => u.id).sort());
    expect(await ids("status=active&role=member")).toEqual(made.filter((u) => u.passwordHash && u.role === "member").map((u) => u.id).sort());
    expect(await ids("status=disabled")).toEqual([]);
    // An empty parameter is no filter.
    expect(await ids("role=&status=&cursor=")).toHaveLength(25);
    // A literal % matches only itself.
    expect((await body<ListBody>(await listReq(`?q=${encodeURIComponent(`${tag}%`)}`, admin.cookie))).users).toEqual([]);
  });

  it.each([
    ["q too short", "?q=ab"],
    ["q too long", `?q=${"a".repeat(255)}`],
    ["an unknown role", "?role=owner"],
    ["an unknown status", "?status=invited"],
    ["limit 0", "?limit=0"],
    ["limit 101", "?limit=101"],
    ["a fractional limit", "?limit=1.5"],
    ["a negative limit", "?limit=-1"],
    ["a non-numeric limit", "?limit=ten"],
    ["a huge limit", "?limit=99999999999999999999"],
    ["a malformed cursor", "?cursor=not-a-cursor"],
    ["a cursor with an edited payload", `?cursor=${encodeCursor("users", { createdAt: "2026-01-01T00:00:00.000000Z", id: randomUUID() }).replace(/^./, "A")}`],
    ["another list's cursor", `?cursor=${encodeCursor("invitations", { createdAt: "2026-01-01T00:00:00.000000Z", id: randomUUID() })}`],
    ["a repeated parameter", "?role=admin&role=member"],
    ["an unknown parameter", "?offset=10"],
  ])("400 invalid_request for %s", async (_label, query) => {
    const admin = await createUserWithSession("admin");
    const res = await listReq(query, admin.cookie);
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("accepts the bounds: limit 1 and 100, q of 3 and 254 characters, its own cursor", async () => {
    const admin = await createUserWithSession("admin");
    for (const query of ["?limit=1", "?limit=100", "?q=abc", `?q=${"a".repeat(254)}`]) {
      expect((await listReq(query, admin.cookie)).status, query).toBe(200);
    }
    const first = await body<ListBody>(await listReq("?limit=1", admin.cookie));
    expect(first.next_cursor).not.toBeNull();
    const second = await body<ListBody>(await listReq(`?limit=1&cursor=${encodeURIComponent(first.next_cursor!)}`, admin.cookie));
    expect(second.users[0].id).not.toBe(first.users[0].id);
  });
});

describe("DELETE /api/users/[id]", () => {
  it("deletes a pending user (204) and their invitations; their events and the user.deleted event keep the address", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser();
    const id = await userIdOf(inv.email);
    const db = await getDb();
    // get_token writes nothing; a rejected claim after the link verified is recorded against the user.
    const jwt = await onboardingJwt(inv.secret);
    const weak = await claim(request("/api/onboarding/claim_token", { body: { token: inv.secret, password: "short" }, headers: { authorization: `Bearer ${jwt}` } }));
    expect(weak.status).toBe(400);

    const res = await del(id, admin.cookie, {}, "203.0.113.44");
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await db.select().from(users).where(eq(users.id, id))).toHaveLength(0);
    expect(await db.select().from(invitations).where(eq(invitations.userId, id))).toHaveLength(0);
    const [deleted] = await events(id, "user.deleted");
    expect(deleted).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, targetEmail: inv.email, ip: "203.0.113.44", userAgent: UA });
    const [rejected] = await events(id, "invitation.claim_rejected");
    expect(rejected).toMatchObject({ targetEmail: inv.email, details: { reason: "weak_password" } });
    // The link is dead: get_token no longer finds it.
    expect((await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(inv.secret)}`))).status).toBe(404);
    // Gone: 404 on a second try.
    const again = await del(id, admin.cookie);
    expect(again.status).toBe(404);
    expect((await body<ErrorBody>(again)).error.code).toBe("user_not_found");
  });

  it("409 user_active for a user with a password (also disabled), 409 cannot_change_self, 404 for unknown or malformed ids", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    let res = await del(member.user.id, admin.cookie);
    expect(res.status).toBe(409);
    expect((await body<ErrorBody>(res)).error.code).toBe("user_active");
    expect((await patch(member.user.id, { disabled: true }, admin.cookie)).status).toBe(200);
    res = await del(member.user.id, admin.cookie);
    expect((await body<ErrorBody>(res)).error.code).toBe("user_active");
    res = await del(admin.user.id, admin.cookie);
    expect(res.status).toBe(409);
    expect((await body<ErrorBody>(res)).error.code).toBe("cannot_change_self");
    for (const id of [randomUUID(), "not-a-uuid"]) {
      res = await del(id, admin.cookie);
      expect(res.status, id).toBe(404);
      expect((await body<ErrorBody>(res)).error.code).toBe("user_not_found");
    }
    const db = await getDb();
    expect(await db.select().from(users).where(inArray(users.id, [admin.user.id, member.user.id]))).toHaveLength(2);
  });

  it("403 for a member, 401 without a session, 403 cross-site; nothing deleted", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const inv = await inviteUser();
    const id = await userIdOf(inv.email);
    let res = await del(id, member.cookie);
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("forbidden");
    expect((await del(id)).status).toBe(401);
    res = await del(id, admin.cookie, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect((await body<ErrorBody>(res)).error.code).toBe("csrf_rejected");
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.id, id))).toHaveLength(1);
    expect(await db.select().from(invitations).where(eq(invitations.userId, id))).toHaveLength(1);
  });

  it("a claim that wins the race makes the delete answer 409 user_active; a delete that wins makes the claim fail cleanly", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    // Claim first, then delete.
    const a = await inviteUser();
    const aJwt = await onboardingJwt(a.secret);
    expect((await claimRequest(aJwt, a.secret)).status).toBe(200);
    expect((await body<ErrorBody>(await del(await userIdOf(a.email), admin.cookie))).error.code).toBe("user_active");
    // Delete first (the JWT was issued before), then claim: the link is gone.
    const b = await inviteUser();
    const bJwt = await onboardingJwt(b.secret);
    expect((await del(await userIdOf(b.email), admin.cookie)).status).toBe(204);
    const late = await claimRequest(bJwt, b.secret);
    expect(late.status).toBe(401);
    expect((await body<ErrorBody>(late)).error.code).toBe("onboarding_token_mismatch");

    // Forced to overlap (on Postgres): both wait behind a lock on the user row, then go at once.
    const outcomes = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const inv = await inviteUser();
      const jwt = await onboardingJwt(inv.secret);
      const id = await userIdOf(inv.email);
      const [claimed, deleted] = await raceBehindLocks(
        (tx) => tx.select().from(users).where(eq(users.id, id)).for("update"),
        // Alternate who queues first.
        () => (i % 2 ? Promise.all([claimRequest(jwt, inv.secret), del(id, admin.cookie)]) : Promise.all([del(id, admin.cookie), claimRequest(jwt, inv.secret)]).then(([d, c]) => [c, d] as const)),
        200,
      );
      expect(claimed.status, "claim").toBeLessThan(500);
      expect(deleted.status, "delete").toBeLessThan(500);
      const [row] = await db.select().from(users).where(eq(users.id, id));
      if (claimed.status === 200) {
        expect(deleted.status).toBe(409);
        expect((await body<ErrorBody>(deleted)).error.code).toBe("user_active");
        expect(row.passwordHash).not.toBeNull();
        outcomes.add("claim");
      } else {
        expect(deleted.status).toBe(204);
        expect([401, 404, 409, 410]).toContain(claimed.status);
        expect(row).toBeUndefined();
        expect(await db.select().from(sessions).where(eq(sessions.userId, id))).toHaveLength(0);
        outcomes.add("delete");
      }
    }
    // On Postgres both outcomes show up (the order they queue in decides); PGlite runs them in turn.
    expect(outcomes.size).toBeGreaterThan(0);
  });
});

describe("PATCH /api/users/[id]: disabled users and audit events", () => {
  it("409 user_disabled for a role change on a disabled user; enabling with a role in one request → 200", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    expect((await patch(member.user.id, { disabled: true }, admin.cookie)).status).toBe(200);
    for (const payload of [{ role: "admin" }, { role: "member" }, { role: "admin", disabled: true }]) {
      const res = await patch(member.user.id, payload, admin.cookie);
      expect(res.status).toBe(409);
      expect((await body<ErrorBody>(res)).error.code).toBe("user_disabled");
    }
    const res = await patch(member.user.id, { role: "admin", disabled: false }, admin.cookie);
    expect(res.status).toBe(200);
    expect((await body<{ user: ListedUser }>(res)).user).toMatchObject({ role: "admin", status: "active" });
  });

  it("records role changed, disabled (with the revoked invitation) and enabled with actor, target, IP and user agent", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const ip = "203.0.113.9";
    expect((await patch(member.user.id, { role: "admin" }, admin.cookie, {}, ip)).status).toBe(200);
    expect((await patch(member.user.id, { disabled: true }, admin.cookie, {}, ip)).status).toBe(200);
    expect((await patch(member.user.id, { disabled: false }, admin.cookie, {}, ip)).status).toBe(200);
    for (const action of ["user.role_changed", "user.disabled", "user.enabled"]) {
      const found = await events(member.user.id, action);
      expect(found, action).toHaveLength(1);
      expect(found[0]).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, targetEmail: member.user.email, ip, userAgent: UA });
    }
    expect((await events(member.user.id, "user.role_changed"))[0].details).toEqual({ from: "member", to: "admin" });

    const inv = await inviteUser();
    const pendingId = await userIdOf(inv.email);
    expect((await patch(pendingId, { disabled: true }, admin.cookie, {}, ip)).status).toBe(200);
    const [revoked] = await events(pendingId, "invitation.revoked");
    expect(revoked).toMatchObject({ invitationId: inv.id, actorUserId: admin.user.id, ip, userAgent: UA, details: { reason: "by_disable" } });
  });
});
