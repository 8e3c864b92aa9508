import { randomUUID } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../db";
import { auditEvents, invitations, rateLimits, sessions, users } from "../db/schema";
import { sha256Hex } from "./auth/tokens";
import {
  containsPattern,
  createInvitation,
  domainAllowed,
  DEFAULT_INVITATION_SECONDS,
  invitationsPageQuery,
  invitationStatus,
  invitationUrl,
  type InvitationQuery,
  listInvitations,
  revokeInvitation,
} from "./invitations";
import { reissueLink } from "./users";
import { createUserWithSession, uniqueEmail } from "./testing/api";
import { raceBehindLocks } from "./testing/overlap";
import { canonicalEmail } from "./email";
import { decodeCursor } from "./keyset";
import { rows } from "./rate-limit";

function secretOf(url: string): string {
  const u = new URL(url);
  expect(u.origin + u.pathname).toBe("http://localhost:3000/onboarding");
  return u.searchParams.get("token")!;
}

async function create(email: string, role: "admin" | "member" = "member", expiresInSeconds?: number) {
  const db = await getDb();
  const r = await createInvitation(db, { email, role, createdBy: null, expiresInSeconds });
  if (!r.ok) throw new Error(r.reason);
  return { ...r.invitation, secret: secretOf(r.invitation.url) };
}

async function userByEmail(email: string) {
  const db = await getDb();
  return db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase()));
}

async function invitationsOf(userId: string) {
  const db = await getDb();
  return db.select().from(invitations).where(eq(invitations.userId, userId)).orderBy(invitations.createdAt);
}

async function liveInvitationsOf(userId: string) {
  const db = await getDb();
  return db
    .select()
    .from(invitations)
    .where(and(eq(invitations.userId, userId), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
}

describe("createInvitation", () => {
  it("returns a 32-byte base64url secret in the url and stores only its SHA-256", async () => {
    const email = uniqueEmail("secret");
    const inv = await create(email);
    expect(inv.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(inv.secret, "base64url")).toHaveLength(32);
    expect(inv.url).toBe(invitationUrl(inv.secret));

    const db = await getDb();
    const [row] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row.tokenHash).toBe(sha256Hex(inv.secret));

    // The secret appears in no column of any table.
    const dump = JSON.stringify([
      await db.select().from(users),
      await db.select().from(invitations),
      await db.select().from(sessions),
      await db.select().from(auditEvents),
      await db.select().from(rateLimits),
    ]);
    expect(dump).toContain(sha256Hex(inv.secret));
    expect(dump).not.toContain(inv.secret);
    expect(dump).not.toContain(inv.url);
  });

  it("creates a pending user with the given role and expires in about 7 days by default", async () => {
    const email = uniqueEmail("defaults");
    const before = Date.now();
    const inv = await create(email, "admin");
    const after = Date.now();
    expect(inv).toMatchObject({ email, role: "admin" });
    expect(DEFAULT_INVITATION_SECONDS).toBe(7 * 24 * 3600);
    expect(inv.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 7 * 86400_000 - 5000);
    expect(inv.expiresAt.getTime()).toBeLessThanOrEqual(after + 7 * 86400_000 + 5000);
    const [user] = await userByEmail(email);
    expect(user).toMatchObject({ email, role: "admin", passwordHash: null, disabledAt: null });
    const [row] = await invitationsOf(user.id);
    expect(row).toMatchObject({ kind: "invite", isAccepted: false, acceptedAt: null, revokedAt: null, createdBy: null });
    expect(invitationStatus(row)).toBe("pending");
  });

  it("honours expiresInSeconds", async () => {
    const before = Date.now();
    const inv = await create(uniqueEmail("short"), "member", 3600);
    expect(Math.abs(inv.expiresAt.getTime() - (before + 3600_000))).toBeLessThan(5000);
  });

  it("trims the email", async () => {
    const email = uniqueEmail("trim");
    const inv = await create(`  ${email}  `);
    expect(inv.email).toBe(email);
  });

  it("re-inviting a pending email in another case revokes the old link, makes a new one and applies the new role", async () => {
    const local = `alice-${randomUUID().slice(0, 8)}`;
    const first = await create(`Alice-${local.slice(6)}@Example.com`, "member");
    const second = await create(`${local}@example.com`, "admin");
    expect(second.id).not.toBe(first.id);
    expect(second.secret).not.toBe(first.secret);
    // The user row is the same one; its email keeps its first spelling.
    const found = await userByEmail(`${local}@example.com`);
    expect(found).toHaveLength(1);
    expect(found[0].role).toBe("admin");
    expect(second.email).toBe(found[0].email);
    expect(second.role).toBe("admin");

    const all = await invitationsOf(found[0].id);
    expect(all).toHaveLength(2);
    const old = all.find((i) => i.id === first.id)!;
    const fresh = all.find((i) => i.id === second.id)!;
    expect(old.revokedAt).not.toBeNull();
    expect(invitationStatus(old)).toBe("revoked");
    expect(invitationStatus(fresh)).toBe("pending");
    expect(await liveInvitationsOf(found[0].id)).toHaveLength(1);
  });

  it("two concurrent invitations of one address in two cases both succeed, leaving one user and one live link", async () => {
    const tail = `${randomUUID().slice(0, 8)}@x.com`;
    // Both wait behind another transaction's uncommitted insert of the address, then go on
    // together: a SELECT-then-INSERT would let both miss the row and one die on the unique index.
    const [a, b] = await raceBehindLocks(
      (tx) => tx.insert(users).values({ email: `CAROL-${tail}`, emailCanonical: canonicalEmail(`CAROL-${tail}`) }),
      () => Promise.all([create(`Carol-${tail}`), create(`carol-${tail}`)]),
    );
    expect(a.id).not.toBe(b.id);
    const found = await userByEmail(`carol-${tail}`);
    expect(found).toHaveLength(1);
    const live = await liveInvitationsOf(found[0].id);
    expect(live).toHaveLength(1);
    expect([a.id, b.id]).toContain(live[0].id);
    expect(await invitationsOf(found[0].id)).toHaveLength(2);
  });

  it("ten concurrent re-invitations leave exactly one live link", async () => {
    const email = uniqueEmail("storm");
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => create(i % 2 ? email.toUpperCase() : email)));
    expect(new Set(results.map((r) => r.id)).size).toBe(10);
    const [user] = await userByEmail(email);
    expect(await liveInvitationsOf(user.id)).toHaveLength(1);
  });

  it("refuses an email that already has an account (any case) with user_exists, and writes nothing", async () => {
    const { user } = await createUserWithSession("member");
    const db = await getDb();
    const before = await db.select().from(users).where(eq(users.id, user.id));
    const r = await createInvitation(db, { email: user.email.toUpperCase(), role: "admin", createdBy: null });
    expect(r).toEqual({ ok: false, reason: "user_exists" });
    expect(await db.select().from(users).where(eq(users.id, user.id))).toEqual(before);
    expect(await invitationsOf(user.id)).toHaveLength(0);
  });

  it("re-inviting a disabled pending user enables it again", async () => {
    const email = uniqueEmail("disabled");
    await create(email);
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.email, email));
    await create(email);
    const [user] = await userByEmail(email);
    expect(user.disabledAt).toBeNull();
  });

  it("records an audit event without the secret", async () => {
    const inv = await create(uniqueEmail("audited"));
    const db = await getDb();
    const [ev] = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, inv.id));
    expect(ev.action).toBe("invitation.created");
    expect(JSON.stringify(ev)).not.toContain(inv.secret);
  });
});

describe("invitationStatus", () => {
  const past = new Date(Date.now() - 60_000);
  const future = new Date(Date.now() + 60_000);
  it.each([
    [{ isAccepted: true, revokedAt: new Date(), expiresAt: past }, "accepted"],
    [{ isAccepted: true, revokedAt: null, expiresAt: past }, "accepted"],
    [{ isAccepted: false, revokedAt: new Date(), expiresAt: past }, "revoked"],
    [{ isAccepted: false, revokedAt: new Date(), expiresAt: future }, "revoked"],
    [{ isAccepted: false, revokedAt: null, expiresAt: past }, "expired"],
    [{ isAccepted: false, revokedAt: null, expiresAt: future }, "pending"],
  ] as const)("%j is %s", (inv, status) => {
    expect(invitationStatus(inv)).toBe(status);
  });

  it("is expired exactly at expiresAt", () => {
    const at = new Date("2030-01-01T00:00:00Z");
    expect(invitationStatus({ isAccepted: false, revokedAt: null, expiresAt: at }, new Date(at.getTime() - 1))).toBe("pending");
    expect(invitationStatus({ isAccepted: false, revokedAt: null, expiresAt: at }, at)).toBe("expired");
  });
});

describe("revokeInvitation", () => {
  it("revokes a pending invitation once; then reports not pending", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const inv = await create(uniqueEmail("revoke"));
    const db = await getDb();
    expect(await revokeInvitation(db, inv.id, admin.id, { ip: "198.51.100.1", userAgent: "test-agent" })).toEqual({ ok: true });
    const [row] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row.revokedAt).not.toBeNull();
    expect(invitationStatus(row)).toBe("revoked");
    expect(await revokeInvitation(db, inv.id, admin.id)).toEqual({ ok: false, reason: "invitation_not_pending" });
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.invitationId, inv.id), eq(auditEvents.action, "invitation.revoked")));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: admin.id, ip: "198.51.100.1", userAgent: "test-agent", details: { reason: "by_admin" } });
  });

  it("reports invitation_not_found for an unknown id", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    expect(await revokeInvitation(db, randomUUID(), admin.id)).toEqual({ ok: false, reason: "invitation_not_found" });
  });

  it("does not revoke an accepted invitation", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const inv = await create(uniqueEmail("accepted"));
    const db = await getDb();
    await db.update(invitations).set({ isAccepted: true, acceptedAt: new Date() }).where(eq(invitations.id, inv.id));
    expect(await revokeInvitation(db, inv.id, admin.id)).toEqual({ ok: false, reason: "invitation_not_pending" });
    const [row] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    expect(row.revokedAt).toBeNull();
  });
});

const reissue = async (id: string, actorUserId: string, fresh = true) => reissueLink(await getDb(), { id, actorUserId, fresh });

describe("reissueLink (an invitation)", () => {
  it("needs a recent password to re-issue an admin's invitation, not a member's", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const asAdmin = await create(uniqueEmail("reissue-admin"), "admin");
    expect(await reissue(asAdmin.id, admin.id, false)).toEqual({ ok: false, reason: "reauth_required" });
    expect((await liveInvitationsOf((await userByEmail(asAdmin.email))[0].id)).map((i) => i.id)).toEqual([asAdmin.id]);
    const asMember = await create(uniqueEmail("reissue-member"), "member");
    expect((await reissue(asMember.id, admin.id, false)).ok).toBe(true);
  });

  it("makes a new link for the same email and role and revokes the old one", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const email = uniqueEmail("reissue");
    const inv = await create(email, "admin");
    const r = await reissue(inv.id, admin.id);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.invitation).toMatchObject({ email, role: "admin" });
    expect(r.invitation.id).not.toBe(inv.id);
    expect(secretOf(r.invitation.url!)).not.toBe(inv.secret);
    const [user] = await userByEmail(email);
    const all = await invitationsOf(user.id);
    expect(all.find((i) => i.id === inv.id)!.revokedAt).not.toBeNull();
    const live = await liveInvitationsOf(user.id);
    expect(live.map((i) => i.id)).toEqual([r.invitation.id]);
    expect(live[0].createdBy).toBe(admin.id);
    expect(live[0].tokenHash).toBe(sha256Hex(secretOf(r.invitation.url!)));
  });

  it("works for a revoked or expired invitation too", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const revoked = await create(uniqueEmail("was-revoked"));
    await revokeInvitation(db, revoked.id, admin.id);
    expect((await reissue(revoked.id, admin.id)).ok).toBe(true);
    const expired = await create(uniqueEmail("was-expired"));
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, expired.id));
    const r = await reissue(expired.id, admin.id);
    expect(r.ok && invitationStatus({ isAccepted: false, revokedAt: null, expiresAt: r.invitation.expiresAt })).toBe("pending");
  });

  it("reports invitation_not_found for an unknown id, and user_exists once the user has claimed", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    expect(await reissue(randomUUID(), admin.id)).toEqual({ ok: false, reason: "invitation_not_found" });
    const email = uniqueEmail("claimed");
    const inv = await create(email);
    await db.update(users).set({ passwordHash: "$2b$04$x" }).where(eq(users.email, email));
    expect(await reissue(inv.id, admin.id)).toEqual({ ok: false, reason: "user_exists" });
  });
});

describe("listInvitations", () => {
  it("lists recent invitations with their status, newest first", async () => {
    const { user: admin } = await createUserWithSession("admin");
    const db = await getDb();
    const pending = await create(uniqueEmail("l-pending"));
    const revoked = await create(uniqueEmail("l-revoked"));
    await revokeInvitation(db, revoked.id, admin.id);
    const list = (await listInvitations(db, { limit: 100 })).invitations;
    const byId = new Map(list.map((i) => [i.id, i]));
    expect(byId.get(pending.id)?.status).toBe("pending");
    expect(byId.get(revoked.id)?.status).toBe("revoked");
    const times = list.map((i) => i.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(JSON.stringify(list)).not.toMatch(/token_?hash/i);
  });
});

describe("createInvitation with replace: false", () => {
  it("answers invitation_pending for a live invitation and writes nothing (the user upsert is rolled back)", async () => {
    const email = uniqueEmail("keep");
    const first = await create(email, "member");
    const db = await getDb();
    const [before] = await userByEmail(email);
    const r = await createInvitation(db, { email: email.toUpperCase(), role: "admin", createdBy: null, replace: false });
    expect(r).toEqual({ ok: false, reason: "invitation_pending" });
    const [after] = await userByEmail(email);
    expect(after).toEqual(before);
    expect((await liveInvitationsOf(before.id)).map((i) => i.id)).toEqual([first.id]);
  });

  it("inside a caller's transaction it rolls back only its own work (a savepoint), and the caller goes on", async () => {
    const email = uniqueEmail("nested");
    await create(email);
    const db = await getDb();
    const outcome = await db.transaction(async (tx) => {
      const r = await createInvitation(tx as unknown as typeof db, { email, role: "admin", createdBy: null, replace: false });
      const [u] = await tx.select().from(users).where(eq(users.emailCanonical, canonicalEmail(email)));
      return { r, role: u.role };
    });
    expect(outcome).toEqual({ r: { ok: false, reason: "invitation_pending" }, role: "member" });
  });

  it("two invitations of a new address at once, in two cases: one is created, the other hears invitation_pending", async () => {
    const tail = `${randomUUID().slice(0, 8)}@x.com`;
    const [a, b] = await raceBehindLocks(
      (tx) => tx.insert(users).values({ email: `DAN-${tail}`, emailCanonical: canonicalEmail(`DAN-${tail}`) }),
      async () => {
        const db = await getDb();
        return Promise.all([
          createInvitation(db, { email: `Dan-${tail}`, role: "member", createdBy: null, replace: false }),
          createInvitation(db, { email: `dan-${tail}`, role: "admin", createdBy: null, replace: false }),
        ]);
      },
    );
    const outcomes = [a, b].map((r) => (r.ok ? "ok" : r.reason)).sort();
    expect(outcomes).toEqual(["invitation_pending", "ok"]);
    const winner = (a.ok ? a : b) as Extract<typeof a, { ok: true }>;
    const [user] = await userByEmail(`dan-${tail}`);
    expect(user.role).toBe(winner.invitation.role);
    expect((await liveInvitationsOf(user.id)).map((i) => i.id)).toEqual([winner.invitation.id]);
    const db = await getDb();
    expect(await db.select().from(auditEvents).where(eq(auditEvents.targetUserId, user.id))).toHaveLength(1);
  });

  it("reports replaced only when a live link was revoked", async () => {
    const db = await getDb();
    const email = uniqueEmail("flag");
    const first = await createInvitation(db, { email, role: "member", createdBy: null });
    expect(first.ok && first.invitation.replaced).toBe(false);
    const second = await createInvitation(db, { email, role: "member", createdBy: null });
    expect(second.ok && second.invitation.replaced).toBe(true);
    if (!second.ok) return;
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, second.invitation.id));
    const third = await createInvitation(db, { email, role: "member", createdBy: null, replace: false });
    expect(third.ok && third.invitation.replaced).toBe(false);
  });
});

describe("domains and search patterns", () => {
  it("domainAllowed compares canonical domains exactly (no subdomains); null allows every domain", () => {
    const allowed = ["example.com", "straße.example"];
    expect(domainAllowed("a@example.com", allowed)).toBe(true);
    expect(domainAllowed(canonicalEmail("A@EXAMPLE.COM"), allowed)).toBe(true);
    expect(domainAllowed(canonicalEmail("a@STRASSE.example"), ["strasse.example"])).toBe(true);
    expect(domainAllowed("a@sub.example.com", allowed)).toBe(false);
    expect(domainAllowed("a@example.com.evil", allowed)).toBe(false);
    expect(domainAllowed("a@example.org", allowed)).toBe(false);
    expect(domainAllowed("a@anything.test", null)).toBe(true);
  });

  it("containsPattern escapes LIKE's % _ and \\", () => {
    expect(containsPattern("a%b_c\\d")).toBe("%a\\%b\\_c\\\\d%");
    expect(containsPattern("plain")).toBe("%plain%");
  });
});

describe("listInvitations (lib)", () => {
  it("combines status, q, limit and cursor; clamps the limit to 1..100", async () => {
    const db = await getDb();
    const t = `lib${randomUUID().slice(0, 8)}`;
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await create(`${t}-${i}@example.com`));
    await revokeInvitation(db, made[0].id, (await createUserWithSession("admin")).user.id);
    const first = await listInvitations(db, { status: "pending", q: t, limit: 2 });
    expect(first.invitations.map((i) => i.id)).toEqual([made[3].id, made[2].id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await listInvitations(db, { status: "pending", q: t, limit: 2, cursor: decodeCursor("invitations", first.nextCursor!) });
    expect(second.invitations.map((i) => i.id)).toEqual([made[1].id]);
    expect(second.nextCursor).toBeNull();
    expect((await listInvitations(db, { q: t, limit: 0 })).invitations).toHaveLength(1);
    expect((await listInvitations(db, { status: "revoked", q: t })).invitations.map((i) => i.id)).toEqual([made[0].id]);
  });
});

describe("the invitations list walks a (created_at, id) index in order", () => {
  // With sorting priced out, a Sort node left in the plan means no index gives the order, and each
  // page would read and sort every matching row (drizzle's desc() is NULLS FIRST; the indexes are
  // NULLS LAST). The q filter is served by the trigram index instead, then sorted: not checked here.
  const cursor = { createdAt: "2030-01-01T00:00:00.000000Z", id: "ffffffff-ffff-4fff-bfff-ffffffffffff" };
  it.each<[string, InvitationQuery]>([
    ["no filter", {}],
    ["a cursor", { cursor }],
    ["pending", { status: "pending", cursor }],
    ["expired", { status: "expired" }],
    ["revoked", { status: "revoked", cursor }],
    ["accepted", { status: "accepted" }],
  ])("%s: no Sort node", async (_name, query) => {
    const db = await getDb();
    const plan = await db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_sort = off`);
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const result = await tx.execute(sql`EXPLAIN ${invitationsPageQuery(tx as unknown as typeof db, query, 51)}`);
      return rows<Record<string, string>>(result).map((r) => Object.values(r)[0]).join("\n");
    });
    expect(plan).toMatch(/Index/);
    expect(plan).not.toMatch(/Sort/);
  });
});
