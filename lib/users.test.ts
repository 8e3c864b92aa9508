import { randomUUID } from "node:crypto";
import { and, count, eq, inArray, isNull, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../db";
import { auditEvents, invitations, sessions, users } from "../db/schema";
import { hashPassword, verifyPassword } from "./auth/password";
import { createSession, validateSessionToken } from "./auth/session";
import { createInvitation } from "./invitations";
import { createUserWithSession, strongPassword, uniqueEmail } from "./testing/api";
import { dropFreshDatabases, freshDatabase } from "./testing/fresh-db";
import { raceBehindLocks } from "./testing/overlap";
import { audit } from "./audit";
import { decodeCursor } from "./keyset";
import { DEFAULT_USERS_PAGE, deleteUser, ensureFirstAdmin, issueReset, listUsers, updateUser, usersPageQuery, type ListUsersQuery, type UserListItem } from "./users";
import { claimInvitation, issueOnboardingToken } from "./onboarding";
import { canonicalEmail } from "./email";

const SAVED = { ADMIN_EMAIL: process.env.ADMIN_EMAIL, ADMIN_PASSWORD: process.env.ADMIN_PASSWORD };

function restoreEnv() {
  for (const [k, v] of Object.entries(SAVED)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

// Opening an empty database costs 1–3 s, so only the tests that need "no active admin exists" (or
// exactly these admins) ask for one (freshDatabase); the others share the file's database.
afterEach(restoreEnv);
afterAll(dropFreshDatabases);

async function activeUser(role: "admin" | "member", email = uniqueEmail(role)) {
  const db = await getDb();
  const [u] = await db.insert(users).values({ email, emailCanonical: canonicalEmail(email), role, passwordHash: await hashPassword(strongPassword()) }).returning();
  return u;
}

async function userRow(id: string) {
  const db = await getDb();
  const [u] = await db.select().from(users).where(eq(users.id, id));
  return u;
}

describe("ensureFirstAdmin", () => {
  beforeEach(freshDatabase);

  it("with ADMIN_PASSWORD creates an active admin; a second run changes nothing", async () => {
    const email = uniqueEmail("boot");
    const password = strongPassword();
    process.env.ADMIN_EMAIL = email;
    process.env.ADMIN_PASSWORD = password;
    const db = await getDb();
    expect(await ensureFirstAdmin(db)).toEqual({ action: "created_admin", email });
    const [admin] = await db.select().from(users).where(eq(users.email, email));
    expect(admin).toMatchObject({ role: "admin", disabledAt: null });
    expect(await verifyPassword(password, admin.passwordHash!)).toBe(true);
    expect(await db.select().from(invitations).where(eq(invitations.userId, admin.id))).toHaveLength(0);
    const [ev] = await db.select().from(auditEvents).where(eq(auditEvents.action, "admin.bootstrapped"));
    expect(ev.targetUserId).toBe(admin.id);

    // An active admin now exists: nothing happens, whatever the variables say.
    process.env.ADMIN_PASSWORD = strongPassword();
    expect(await ensureFirstAdmin(db)).toEqual({ action: "none" });
    delete process.env.ADMIN_PASSWORD;
    process.env.ADMIN_EMAIL = uniqueEmail("other");
    expect(await ensureFirstAdmin(db)).toEqual({ action: "none" });
    const again = await userRow(admin.id);
    expect(again.passwordHash).toBe(admin.passwordHash);
    expect(await db.select().from(users)).toHaveLength(1);
  });

  it("with ADMIN_PASSWORD after an admin invitation was sent: the pending link is revoked, and that is recorded", async () => {
    const email = uniqueEmail("boot");
    process.env.ADMIN_EMAIL = email;
    delete process.env.ADMIN_PASSWORD;
    const db = await getDb();
    expect((await ensureFirstAdmin(db)).action).toBe("invited_admin");
    process.env.ADMIN_PASSWORD = strongPassword();
    expect(await ensureFirstAdmin(db)).toEqual({ action: "created_admin", email });
    const [user] = await db.select().from(users).where(eq(users.email, email));
    const [inv] = await db.select().from(invitations).where(eq(invitations.userId, user.id));
    expect(inv.revokedAt).not.toBeNull();
    const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, inv.id));
    expect(events.map((e) => [e.action, e.details])).toContainEqual(["invitation.revoked", { reason: "by_bootstrap" }]);
  });

  it("without ADMIN_PASSWORD invites the admin once, then reports the pending invitation", async () => {
    const email = uniqueEmail("boot");
    process.env.ADMIN_EMAIL = email;
    delete process.env.ADMIN_PASSWORD;
    const db = await getDb();
    const first = await ensureFirstAdmin(db);
    expect(first.action).toBe("invited_admin");
    if (first.action !== "invited_admin") return;
    expect(first.email).toBe(email);
    expect(first.url).toMatch(/^http:\/\/localhost:3000\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
    const [user] = await db.select().from(users).where(eq(users.email, email));
    expect(user).toMatchObject({ role: "admin", passwordHash: null });

    expect(await ensureFirstAdmin(db)).toEqual({ action: "invitation_pending", email });
    const invs = await db.select().from(invitations).where(eq(invitations.userId, user.id));
    expect(invs).toHaveLength(1);
    expect(invs[0].revokedAt).toBeNull();

    // Once that invitation has expired, a new one is made (and only one is live).
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.userId, user.id));
    const third = await ensureFirstAdmin(db);
    expect(third.action).toBe("invited_admin");
    expect(third.action === "invited_admin" && third.url).not.toBe(first.url);
    const live = await db
      .select()
      .from(invitations)
      .where(and(eq(invitations.userId, user.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
    expect(live).toHaveLength(1);
    expect(live[0].expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it("two instances starting at once bootstrap one admin invitation, not two", async () => {
    // Without the advisory lock both would see "no admin" and each print a link, the first one
    // already revoked by the second.
    const email = uniqueEmail("boot");
    process.env.ADMIN_EMAIL = email;
    delete process.env.ADMIN_PASSWORD;
    const db = await getDb();
    // Another transaction inserting the same email makes both wait at their insert, after their
    // "is there an admin?" check; it then rolls back and both go on.
    const results = await raceBehindLocks(
      (tx) => tx.insert(users).values({ email, emailCanonical: canonicalEmail(email), role: "member" }),
      () => Promise.all([ensureFirstAdmin(db), ensureFirstAdmin(db)]),
    );
    expect(results.map((r) => r.action).sort()).toEqual(["invitation_pending", "invited_admin"]);
    const [user] = await db.select().from(users).where(eq(users.email, email));
    const invs = await db.select().from(invitations).where(eq(invitations.userId, user.id));
    expect(invs).toHaveLength(1);
    expect(invs[0].revokedAt).toBeNull();
  });

  it("never overwrites the password of an existing account with ADMIN_EMAIL", async () => {
    const member = await activeUser("member");
    process.env.ADMIN_EMAIL = member.email.toUpperCase();
    process.env.ADMIN_PASSWORD = strongPassword();
    const r = await ensureFirstAdmin(await getDb());
    expect(r.action).toBe("blocked");
    const after = await userRow(member.id);
    expect(after.passwordHash).toBe(member.passwordHash);
    expect(after.role).toBe("member");
  });
});

describe("ensureFirstAdmin with a weak ADMIN_PASSWORD", () => {
  it("throws when ADMIN_PASSWORD fails the password policy, and creates nobody", async () => {
    const email = uniqueEmail("boot");
    process.env.ADMIN_EMAIL = email;
    const db = await getDb();
    for (const weak of ["password1234", "short", `${email.split("@")[0]}-Velvet-Harbor!`]) {
      process.env.ADMIN_PASSWORD = weak;
      await expect(ensureFirstAdmin(db)).rejects.toThrow(/ADMIN_PASSWORD does not meet the password policy/);
    }
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
  });
});

describe("updateUser: there is always an active admin", () => {
  beforeEach(freshDatabase);

  it("the only active admin cannot be demoted or disabled: not by themselves, not by a non-admin", async () => {
    const admin = await activeUser("admin");
    const member = await activeUser("member");
    // A pending (unclaimed) admin and a disabled admin cannot act either.
    const db = await getDb();
    const pending = await createInvitation(db, { email: uniqueEmail("pending-admin"), role: "admin", createdBy: admin.id });
    const [pendingAdmin] = await db.select().from(users).where(eq(users.email, pending.ok ? pending.invitation.email : ""));
    const disabled = await activeUser("admin");
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.id));

    expect(await updateUser(db, { id: admin.id, actorUserId: admin.id, role: "member" })).toEqual({ ok: false, reason: "cannot_change_self" });
    for (const actor of [member, pendingAdmin, disabled]) {
      expect(await updateUser(db, { id: admin.id, actorUserId: actor.id, role: "member" })).toEqual({ ok: false, reason: "forbidden" });
      expect(await updateUser(db, { id: admin.id, actorUserId: actor.id, disabled: true })).toEqual({ ok: false, reason: "forbidden" });
    }
    expect(await userRow(admin.id)).toMatchObject({ role: "admin", disabledAt: null });
  });

  it("an admin demoted or disabled after their request was authorised can no longer act", async () => {
    const a = await activeUser("admin");
    const b = await activeUser("admin");
    const c = await activeUser("admin");
    const db = await getDb();
    expect((await updateUser(db, { id: b.id, actorUserId: a.id, role: "member" })).ok).toBe(true);
    expect(await updateUser(db, { id: c.id, actorUserId: b.id, disabled: true })).toEqual({ ok: false, reason: "forbidden" });
    expect((await updateUser(db, { id: c.id, actorUserId: a.id, role: "admin" })).ok).toBe(true);
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, a.id));
    expect(await updateUser(db, { id: c.id, actorUserId: a.id, role: "member" })).toEqual({ ok: false, reason: "forbidden" });
    expect(await userRow(c.id)).toMatchObject({ role: "admin", disabledAt: null });
  });

  it("two admins demoting each other at once: exactly one succeeds and one admin remains", async () => {
    const a = await activeUser("admin");
    const b = await activeUser("admin");
    const db = await getDb();
    // Both pass any check that comes before their row locks, then go on together.
    const results = await raceBehindLocks(
      (tx) => tx.select().from(users).where(inArray(users.id, [a.id, b.id])).for("update"),
      () =>
        Promise.all([
          updateUser(db, { id: a.id, actorUserId: b.id, role: "member" }),
          updateUser(db, { id: b.id, actorUserId: a.id, disabled: true }),
        ]),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: "forbidden" });
    const active = await db
      .select()
      .from(users)
      .where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
    expect(active).toHaveLength(1);
  });
});

describe("updateUser", () => {
  it("refuses any change to oneself", async () => {
    const { user } = await createUserWithSession("admin");
    const db = await getDb();
    expect(await updateUser(db, { id: user.id, actorUserId: user.id, role: "member" })).toEqual({ ok: false, reason: "cannot_change_self" });
    expect(await updateUser(db, { id: user.id, actorUserId: user.id, disabled: true })).toEqual({ ok: false, reason: "cannot_change_self" });
    expect(await userRow(user.id)).toMatchObject({ role: "admin", disabledAt: null });
  });

  it("reports user_not_found for an unknown id", async () => {
    const { user } = await createUserWithSession("admin");
    expect(await updateUser(await getDb(), { id: randomUUID(), actorUserId: user.id, role: "member" })).toEqual({ ok: false, reason: "user_not_found" });
  });

  it("changes a role and records it", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const member = await activeUser("member");
    const db = await getDb();
    const r = await updateUser(db, { id: member.id, actorUserId: admin.id, role: "admin", ip: "198.51.100.9" });
    expect(r).toEqual({ ok: true, user: { id: member.id, email: member.email, role: "admin", status: "active", createdAt: member.createdAt, lastSignInAt: null } });
    const [ev] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, member.id), eq(auditEvents.action, "user.role_changed")));
    expect(ev).toMatchObject({ actorUserId: admin.id, ip: "198.51.100.9", details: { from: "member", to: "admin" } });
  });

  it("disabling revokes every session of the user", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const target = await createUserWithSession("member");
    const db = await getDb();
    const second = await createSession(db, target.user.id);
    expect(await validateSessionToken(db, target.token)).not.toBeNull();

    const r = await updateUser(db, { id: target.user.id, actorUserId: admin.id, disabled: true });
    expect(r.ok && r.user.status).toBe("disabled");
    expect(await validateSessionToken(db, target.token)).toBeNull();
    expect(await validateSessionToken(db, second.token)).toBeNull();
    const rows = await db.select().from(sessions).where(eq(sessions.userId, target.user.id));
    expect(rows).toHaveLength(2);
    for (const s of rows) expect(s.revokedAt).not.toBeNull();

    // Enabling again does not bring the old sessions back.
    const enabled = await updateUser(db, { id: target.user.id, actorUserId: admin.id, disabled: false });
    expect(enabled.ok && enabled.user.status).toBe("active");
    expect(await validateSessionToken(db, target.token)).toBeNull();
  });

  it("disabling a pending user revokes its live invitation", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const created = await createInvitation(db, { email: uniqueEmail("pending"), role: "member", createdBy: admin.id });
    if (!created.ok) throw new Error(created.reason);
    const [inv] = await db.select().from(invitations).where(eq(invitations.id, created.invitation.id));
    const r = await updateUser(db, { id: inv.userId, actorUserId: admin.id, disabled: true });
    expect(r.ok && r.user.status).toBe("disabled");
    const [after] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(after.revokedAt).not.toBeNull();
  });

  it("leaves other users' sessions alone", async () => {
    const { user: admin, token: adminToken } = await createUserWithSession("admin");
    const target = await createUserWithSession("member");
    const bystander = await createUserWithSession("member");
    const db = await getDb();
    await updateUser(db, { id: target.user.id, actorUserId: admin.id, disabled: true });
    expect(await validateSessionToken(db, bystander.token)).not.toBeNull();
    expect(await validateSessionToken(db, adminToken)).not.toBeNull();
  });
});

/** Users made by one INSERT statement: they share created_at (the transaction's now()). */
async function bulkUsers(n: number, tag: string, over: Partial<typeof users.$inferInsert> = {}) {
  const db = await getDb();
  const rows = Array.from({ length: n }, (_, i) => {
    const email = `bulk-${tag}-${String(i).padStart(4, "0")}@example.com`;
    return { email, emailCanonical: canonicalEmail(email), role: "member" as const, ...over };
  });
  return db.insert(users).values(rows).returning();
}

async function allPages(query: Omit<ListUsersQuery, "after">) {
  const db = await getDb();
  const seen: UserListItem[] = [];
  let after: ListUsersQuery["after"] = null;
  for (let pages = 0; pages < 1000; pages++) {
    const got = await listUsers(db, { ...query, after });
    expect(got.users.length).toBeLessThanOrEqual(query.limit ?? DEFAULT_USERS_PAGE);
    seen.push(...got.users);
    if (!got.nextCursor) return seen;
    after = decodeCursor("users", got.nextCursor);
    expect(after).not.toBeNull();
  }
  throw new Error("too many pages");
}

describe("listUsers", () => {
  it("reports active, pending and disabled users, with last_sign_in_at and no password hash", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const tag = randomUUID().slice(0, 8);
    const pendingEmail = `pending-${tag}@example.com`;
    await createInvitation(db, { email: pendingEmail, role: "member", createdBy: admin.id });
    const disabled = await activeUser("member", `disabled-${tag}@example.com`);
    await updateUser(db, { id: disabled.id, actorUserId: admin.id, disabled: true });
    const active = await activeUser("member", `active-${tag}@example.com`);
    const signedIn = new Date("2026-01-02T03:04:05.678Z");
    await db.update(users).set({ lastSignInAt: signedIn }).where(eq(users.id, active.id));
    const list = (await listUsers(db, { q: tag })).users;
    expect(JSON.stringify(list)).not.toMatch(/passwordHash|\$2b\$/);
    const byEmail = new Map(list.map((u) => [u.email, u]));
    expect(byEmail.size).toBe(3);
    expect(byEmail.get(pendingEmail)).toMatchObject({ status: "pending", lastSignInAt: null });
    expect(byEmail.get(disabled.email)?.status).toBe("disabled");
    expect(byEmail.get(active.email)).toEqual({ id: active.id, email: active.email, role: "member", status: "active", createdAt: active.createdAt, lastSignInAt: signedIn });
  });

  it("filters by role and status (pending, active, disabled), alone and together", async () => {
    const db = await getDb();
    const tag = randomUUID().slice(0, 8);
    const [pendingMember] = await bulkUsers(1, `${tag}-pm`);
    const [pendingAdmin] = await bulkUsers(1, `${tag}-pa`, { role: "admin" });
    const [disabledPending] = await bulkUsers(1, `${tag}-dp`, { disabledAt: new Date() });
    const [activeMember] = await bulkUsers(1, `${tag}-am`, { passwordHash: "x" });
    const [activeAdmin] = await bulkUsers(1, `${tag}-aa`, { passwordHash: "x", role: "admin" });
    const [disabledActive] = await bulkUsers(1, `${tag}-da`, { passwordHash: "x", disabledAt: new Date() });
    const ids = async (q: ListUsersQuery) => (await listUsers(db, { q: tag, ...q })).users.map((u) => u.id).sort();
    const sorted = (...us: { id: string }[]) => us.map((u) => u.id).sort();
    expect(await ids({ status: "pending" })).toEqual(sorted(pendingMember, pendingAdmin));
    expect(await ids({ status: "active" })).toEqual(sorted(activeMember, activeAdmin));
    expect(await ids({ status: "disabled" })).toEqual(sorted(disabledPending, disabledActive));
    expect(await ids({ role: "admin" })).toEqual(sorted(pendingAdmin, activeAdmin));
    expect(await ids({ role: "member", status: "active" })).toEqual(sorted(activeMember));
    expect(await ids({})).toHaveLength(6);
  });

  it("q matches part of the canonical address, case-insensitively; %, _ and \\ match only themselves", async () => {
    const db = await getDb();
    const tag = randomUUID().slice(0, 8);
    const make = (local: string) => activeUser("member", `${local}@example.com`);
    const percent = await make(`q${tag}a%b`);
    const plainAxb = await make(`q${tag}axb`);
    const underscore = await make(`q${tag}c_d`);
    const plainCyd = await make(`q${tag}cyd`);
    const backslash = await make(`q${tag}e\\f`);
    const greek = await make(`q${tag}ΟΔΟΣ`);
    const found = async (q: string) => (await listUsers(db, { q })).users.map((u) => u.id).sort();
    expect(await found(`${tag}a%b`)).toEqual([percent.id]);
    expect(await found(`${tag}axb`)).toEqual([plainAxb.id]);
    expect(await found(`${tag}c_d`)).toEqual([underscore.id]);
    expect(await found(`${tag}cyd`)).toEqual([plainCyd.id]);
    expect(await found(`${tag}e\\f`)).toEqual([backslash.id]);
    expect(await found(`${tag}a%`)).toEqual([percent.id]);
    expect(await found(`Q${tag.toUpperCase()}A%B@EXAMPLE.COM`)).toEqual([percent.id]);
    // Canonical forms: final sigma and capitals are one address.
    expect(await found(`${tag}οδος`)).toEqual([greek.id]);
    expect(await found(`q${tag}`)).toHaveLength(6);
    expect(await found("%%%")).not.toContain(plainAxb.id);
    expect(await found("___")).not.toContain(plainAxb.id);
  });

  it("pages through rows that share one created_at exactly once each, newest first by (created_at, id)", async () => {
    const tag = randomUUID().slice(0, 8);
    const made = await bulkUsers(53, tag);
    expect(new Set(made.map((u) => u.createdAt.getTime())).size).toBe(1);
    const seen = await allPages({ q: tag, limit: 7 });
    expect(seen.map((u) => u.id)).toEqual(made.map((u) => u.id).sort().reverse());
    // A page size that divides the count exactly: the last page has no next cursor.
    const exact = await allPages({ q: `bulk-${tag}-000`, limit: 5 });
    expect(exact).toHaveLength(10);
  });

  it("has no cap: 520 users page through completely, and the default page is 50", async () => {
    const tag = randomUUID().slice(0, 8);
    await bulkUsers(520, tag);
    const db = await getDb();
    const first = await listUsers(db, { q: tag });
    expect(first.users).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const seen = await allPages({ q: tag, limit: 100 });
    expect(new Set(seen.map((u) => u.id)).size).toBe(520);
    // The whole table, unfiltered, also pages through completely.
    const [{ n }] = await db.select({ n: count() }).from(users);
    const everyone = await allPages({ limit: 100 });
    expect(everyone).toHaveLength(n);
    expect(new Set(everyone.map((u) => u.id)).size).toBe(n);
  });
});

describe("the users list walks the (created_at, id) index in order", () => {
  // With sorting priced out, a Sort node left in the plan means no index gives the order, and each
  // page would read and sort every matching row (drizzle's desc() is NULLS FIRST; the index is
  // NULLS LAST). The q filter is served by the trigram index instead, then sorted: not checked here.
  const after = { createdAt: "2030-01-01T00:00:00.000000Z", id: "ffffffff-ffff-4fff-bfff-ffffffffffff" };
  it.each<[string, ListUsersQuery]>([
    ["no filter", {}],
    ["a cursor", { after }],
    ["a role", { role: "admin", after }],
    ["a status", { status: "pending" }],
  ])("%s: no Sort node", async (_name, query) => {
    const db = await getDb();
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_sort = off`);
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const result = await tx.execute(sql`EXPLAIN ${usersPageQuery(tx as unknown as typeof db, query, 51)}`);
      return (result as unknown as { rows: Record<string, string>[] }).rows.map((r) => Object.values(r)[0]).join("\n");
    });
    expect(plan).toMatch(/Index/);
    expect(plan).not.toMatch(/Sort/);
  });
});

describe("deleteUser", () => {
  it("deletes a user who never set a password, with their invitations; the audit trail keeps their events and address", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const email = uniqueEmail("doomed");
    const created = await createInvitation(db, { email, role: "member", createdBy: admin.id });
    if (!created.ok) throw new Error(created.reason);
    const [target] = await db.select().from(users).where(eq(users.emailCanonical, canonicalEmail(email)));
    await audit(db, { action: "invitation.created", actorUserId: admin.id, targetUserId: target.id, invitationId: created.invitation.id });

    expect(await deleteUser(db, { id: target.id, actorUserId: admin.id, ip: "198.51.100.7", userAgent: "UA/1.0" })).toEqual({ ok: true });
    expect(await db.select().from(users).where(eq(users.id, target.id))).toHaveLength(0);
    expect(await db.select().from(invitations).where(eq(invitations.userId, target.id))).toHaveLength(0);
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetUserId, target.id));
    const deleted = events.find((e) => e.action === "user.deleted");
    expect(deleted).toMatchObject({ actorUserId: admin.id, actorEmail: admin.email, targetEmail: email, ip: "198.51.100.7", userAgent: "UA/1.0" });
    expect(events.find((e) => e.action === "invitation.created")).toMatchObject({ targetEmail: email });
    // A second delete: the user is gone.
    expect(await deleteUser(db, { id: target.id, actorUserId: admin.id })).toEqual({ ok: false, reason: "user_not_found" });
  });

  it("a disabled user who never set a password can be deleted too", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const [target] = await bulkUsers(1, randomUUID().slice(0, 8), { disabledAt: new Date() });
    expect(await deleteUser(db, { id: target.id, actorUserId: admin.id })).toEqual({ ok: true });
  });

  it("refuses a user with a password (user_active), oneself, an unknown id and a non-admin", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const active = await activeUser("member");
    const [pending] = await bulkUsers(1, randomUUID().slice(0, 8));
    expect(await deleteUser(db, { id: active.id, actorUserId: admin.id })).toEqual({ ok: false, reason: "user_active" });
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, active.id));
    expect(await deleteUser(db, { id: active.id, actorUserId: admin.id })).toEqual({ ok: false, reason: "user_active" });
    expect(await deleteUser(db, { id: admin.id, actorUserId: admin.id })).toEqual({ ok: false, reason: "cannot_change_self" });
    expect(await deleteUser(db, { id: randomUUID(), actorUserId: admin.id })).toEqual({ ok: false, reason: "user_not_found" });
    const member = await activeUser("member");
    expect(await deleteUser(db, { id: pending.id, actorUserId: member.id })).toEqual({ ok: false, reason: "forbidden" });
    expect(await userRow(active.id)).toBeDefined();
    expect(await userRow(pending.id)).toBeDefined();
  });

  it("an admin demoted while the delete waited for the lock is refused (403), and nothing is deleted", async () => {
    const { user: a } = await createUserWithSession("admin");
    const { user: b } = await createUserWithSession("admin");
    const db = await getDb();
    const [pending] = await bulkUsers(1, randomUUID().slice(0, 8));
    // b's demotion of a holds the admin lock first; a's delete queues behind it.
    const [demoted, deleted] = await raceBehindLocks(
      (tx) => tx.execute(sql`select pg_advisory_xact_lock(727273)`),
      () =>
        Promise.all([
          updateUser(db, { id: a.id, actorUserId: b.id, role: "member" }),
          new Promise((r) => setTimeout(r, 50)).then(() => deleteUser(db, { id: pending.id, actorUserId: a.id })),
        ]),
    );
    expect(demoted.ok).toBe(true);
    expect(deleted).toEqual({ ok: false, reason: "forbidden" });
    expect(await userRow(pending.id)).toBeDefined();
  });
});

describe("updateUser: disabled users and audit events", () => {
  it("a disabled user's role cannot be changed (user_disabled); enabling and changing it in one request works", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const target = await activeUser("member");
    expect((await updateUser(db, { id: target.id, actorUserId: admin.id, disabled: true })).ok).toBe(true);
    expect(await updateUser(db, { id: target.id, actorUserId: admin.id, role: "admin" })).toEqual({ ok: false, reason: "user_disabled" });
    expect(await updateUser(db, { id: target.id, actorUserId: admin.id, role: "member" })).toEqual({ ok: false, reason: "user_disabled" });
    expect(await updateUser(db, { id: target.id, actorUserId: admin.id, role: "admin", disabled: true })).toEqual({ ok: false, reason: "user_disabled" });
    expect(await userRow(target.id)).toMatchObject({ role: "member" });

    const r = await updateUser(db, { id: target.id, actorUserId: admin.id, role: "admin", disabled: false, ip: "198.51.100.1", userAgent: "UA/2" });
    expect(r.ok && r.user).toMatchObject({ role: "admin", status: "active" });
    const events = await db.select().from(auditEvents).where(eq(auditEvents.targetUserId, target.id)).orderBy(auditEvents.createdAt, auditEvents.id);
    // Enabled first, then the role changed (both in one transaction, one timestamp).
    expect(events.map((e) => e.action).sort()).toEqual(["user.disabled", "user.enabled", "user.role_changed"].sort());
    for (const e of events.filter((x) => x.action !== "user.disabled")) expect(e).toMatchObject({ ip: "198.51.100.1", userAgent: "UA/2", actorUserId: admin.id });
  });

  it("disabling and changing the role in one request: the role changes while still enabled, then the user is disabled", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const target = await activeUser("admin");
    const r = await updateUser(db, { id: target.id, actorUserId: admin.id, role: "member", disabled: true });
    expect(r.ok && r.user).toMatchObject({ role: "member", status: "disabled" });
  });

  it("disabling a pending user records the revoked invitation (by_disable) with IP and user agent", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const created = await createInvitation(db, { email: uniqueEmail("pending"), role: "member", createdBy: admin.id });
    if (!created.ok) throw new Error(created.reason);
    const [inv] = await db.select().from(invitations).where(eq(invitations.id, created.invitation.id));
    await updateUser(db, { id: inv.userId, actorUserId: admin.id, disabled: true, ip: "198.51.100.2", userAgent: "UA/3" });
    const [ev] = await db.select().from(auditEvents).where(and(eq(auditEvents.invitationId, inv.id), eq(auditEvents.action, "invitation.revoked")));
    expect(ev).toMatchObject({ actorUserId: admin.id, targetUserId: inv.userId, ip: "198.51.100.2", userAgent: "UA/3", details: { reason: "by_disable" } });
    const [disabled] = await db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, inv.userId), eq(auditEvents.action, "user.disabled")));
    expect(disabled).toMatchObject({ ip: "198.51.100.2", userAgent: "UA/3" });
  });
});

describe("issueReset", () => {
  it("only an active admin may issue one (re-checked under the lock): a member, a disabled or demoted admin → forbidden, nothing written", async () => {
    const db = await getDb();
    const target = (await createUserWithSession("member")).user;
    const member = (await createUserWithSession("member")).user;
    const disabledAdmin = (await createUserWithSession("admin")).user;
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabledAdmin.id));
    const demoted = (await createUserWithSession("admin")).user;
    await db.update(users).set({ role: "member" }).where(eq(users.id, demoted.id));
    for (const actor of [member, disabledAdmin, demoted]) {
      expect(await issueReset(db, { id: target.id, actorUserId: actor.id })).toEqual({ ok: false, reason: "forbidden" });
    }
    expect(await db.select().from(invitations).where(eq(invitations.userId, target.id))).toHaveLength(0);
  });

  it("a reset racing a disable of the same user: both finish, and no live link is left on the disabled user", async () => {
    const db = await getDb();
    const admin = (await createUserWithSession("admin")).user;
    const target = (await createUserWithSession("member")).user;
    const [reset, disabled] = await raceBehindLocks(
      (tx) => tx.select().from(users).where(eq(users.id, target.id)).for("update"),
      () => Promise.all([issueReset(db, { id: target.id, actorUserId: admin.id }), updateUser(db, { id: target.id, actorUserId: admin.id, disabled: true })]),
    );
    expect(disabled.ok).toBe(true);
    // Whichever went first: reset then disable (the link revoked by_disable), or disable then user_disabled.
    if (!reset.ok) expect(reset.reason).toBe("user_disabled");
    const open = await db
      .select()
      .from(invitations)
      .where(and(eq(invitations.userId, target.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
    expect(open).toHaveLength(0);
  });

  it("a claim of a reset link racing a new reset: never a database error; either the claim wins or the link is revoked first", async () => {
    const db = await getDb();
    const admin = (await createUserWithSession("admin")).user;
    const target = (await createUserWithSession("member")).user;
    const first = await issueReset(db, { id: target.id, actorUserId: admin.id });
    if (!first.ok) throw new Error(first.reason);
    const secret = new URL(first.invitation.url!).searchParams.get("token")!;
    const issued = await issueOnboardingToken(db, secret);
    if (!issued.ok) throw new Error(issued.reason);
    const password = strongPassword();
    const [claimed, second] = await raceBehindLocks(
      (tx) => tx.select().from(users).where(eq(users.id, target.id)).for("update"),
      () => Promise.all([claimInvitation(db, { onboardingToken: issued.onboardingToken, secret, password }), issueReset(db, { id: target.id, actorUserId: admin.id })]),
    );
    expect(second.ok).toBe(true);
    const [user] = await db.select().from(users).where(eq(users.id, target.id));
    if (claimed.ok) {
      expect(await verifyPassword(password, user.passwordHash!)).toBe(true);
    } else {
      expect(claimed.reason).toBe("invitation_revoked");
      expect(user.passwordHash).toBe(target.passwordHash);
    }
    const open = await db
      .select()
      .from(invitations)
      .where(and(eq(invitations.userId, target.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
    expect(open.map((i) => i.id)).toEqual([second.ok ? second.invitation.id : ""]);
  });
});
