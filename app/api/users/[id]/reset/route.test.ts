import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, users } from "@/db/schema";
import { body, createUserWithSession, inviteUser, request } from "@/lib/testing/api";
import { GET as listInvitations } from "../../../invitations/route";
import { GET as getToken } from "../../../onboarding/get_token/route";
import { PATCH } from "../route";
import { POST } from "./route";

type ErrorBody = { error: { code: string; message: string } };
type Issued = { invitation: { id: string; email: string; kind: string; url: string; expires_at: string } };

function reset(id: string, cookie: string | undefined, payload: unknown = {}, headers: Record<string, string> = {}) {
  return POST(request(`/api/users/${id}/reset`, { method: "POST", body: payload, cookie, headers }), { params: Promise.resolve({ id }) });
}

async function errorCode(res: Response) {
  return (await body<ErrorBody>(res)).error.code;
}

describe("POST /api/users/:id/reset", () => {
  it("201 with a reset link of the invitation link's form, lasting 24 hours by default, shown once", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const before = Date.now();
    const res = await reset(member.user.id, admin.cookie);
    expect(res.status).toBe(201);
    const { invitation } = await body<Issued>(res);
    expect(Object.keys(invitation).sort()).toEqual(["email", "emailed", "expires_at", "id", "kind", "url"]);
    expect(invitation).toMatchObject({ email: member.user.email, kind: "reset" });
    const url = new URL(invitation.url);
    expect(url.pathname).toBe("/onboarding");
    expect([...url.searchParams.keys()]).toEqual(["token"]);
    const expires = new Date(invitation.expires_at).getTime();
    expect(expires).toBeGreaterThan(before + 24 * 3600_000 - 60_000);
    expect(expires).toBeLessThan(Date.now() + 24 * 3600_000 + 60_000);

    // Stored as a hash only, as a reset row for that user, made by that admin.
    const db = await getDb();
    const [row] = await db.select().from(invitations).where(eq(invitations.id, invitation.id));
    expect(row).toMatchObject({ userId: member.user.id, kind: "reset", role: "member", createdBy: admin.user.id, isAccepted: false, revokedAt: null });
    expect(row.tokenHash).not.toContain(url.searchParams.get("token")!);

    // The link opens like an invitation, and says it is a reset.
    const tok = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(url.searchParams.get("token")!)}`));
    expect(tok.status).toBe(200);
    expect(await body(tok)).toMatchObject({ email: member.user.email, kind: "reset" });

    // Issuing changes neither the password nor the sessions.
    const [after] = await db.select().from(users).where(eq(users.id, member.user.id));
    expect(after.passwordHash).toBe(member.user.passwordHash);

    // Audited with who issued it; no secret in the event.
    const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, invitation.id));
    expect(events.map((e) => e.action)).toEqual(["invitation.reset_issued"]);
    expect(events[0]).toMatchObject({ actorUserId: admin.user.id, actorEmail: admin.user.email, targetUserId: member.user.id, targetEmail: member.user.email });
    expect(JSON.stringify(events)).not.toContain(url.searchParams.get("token")!);
  });

  it("takes expires_in_seconds from 1 s to 7 days, and accepts no body at all", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const res = await reset(member.user.id, admin.cookie, { expires_in_seconds: 7 * 24 * 3600 });
    expect(res.status).toBe(201);
    const week = new Date((await body<Issued>(res)).invitation.expires_at).getTime();
    expect(Math.abs(week - (Date.now() + 7 * 24 * 3600_000))).toBeLessThan(60_000);
    expect((await reset(member.user.id, admin.cookie, { expires_in_seconds: 1 })).status).toBe(201);
    for (const bad of [0, -5, 7 * 24 * 3600 + 1, 1.5, "60", null]) {
      const r = await reset(member.user.id, admin.cookie, { expires_in_seconds: bad });
      expect(r.status, String(bad)).toBe(400);
      expect(await errorCode(r)).toBe("invalid_request");
    }
    const extra = await reset(member.user.id, admin.cookie, { expires_in_seconds: 60, password: "x" });
    expect(await errorCode(extra)).toBe("invalid_request");
    const bare = await POST(
      new Request(`http://localhost:3000/api/users/${member.user.id}/reset`, {
        method: "POST",
        headers: { origin: "http://localhost:3000", cookie: admin.cookie, "x-forwarded-for": "198.18.7.7" },
      }),
      { params: Promise.resolve({ id: member.user.id }) },
    );
    expect(bare.status).toBe(201);
  });

  it("409 user_pending for a never-claimed user, 409 user_disabled, 409 cannot_change_self, 404 unknown; nothing written", async () => {
    const admin = await createUserWithSession("admin");
    const db = await getDb();
    const pending = await inviteUser();
    const [pendingUser] = await db.select().from(users).where(eq(users.email, pending.email));
    const disabled = await createUserWithSession("member");
    expect((await PATCH(request(`/api/users/${disabled.user.id}`, { method: "PATCH", body: { disabled: true }, cookie: admin.cookie }), { params: Promise.resolve({ id: disabled.user.id }) })).status).toBe(200);

    const cases: [string, number, string][] = [
      [pendingUser.id, 409, "user_pending"],
      [disabled.user.id, 409, "user_disabled"],
      [admin.user.id, 409, "cannot_change_self"],
      [randomUUID(), 404, "user_not_found"],
      ["not-a-uuid", 404, "user_not_found"],
    ];
    for (const [id, status, code] of cases) {
      const res = await reset(id, admin.cookie);
      expect(res.status, code).toBe(status);
      expect(await errorCode(res)).toBe(code);
    }
    const self = await reset(admin.user.id, admin.cookie);
    expect((await body<ErrorBody>(self)).error.message).toMatch(/change your password/i);
    for (const id of [pendingUser.id, disabled.user.id, admin.user.id]) {
      expect(await db.select().from(invitations).where(and(eq(invitations.userId, id), eq(invitations.kind, "reset")))).toHaveLength(0);
    }
    // The pending user's invitation is untouched.
    const [inv] = await db.select().from(invitations).where(eq(invitations.id, pending.id));
    expect(inv.revokedAt).toBeNull();
  });

  it("401 without a session, 403 for a member, 403 cross-site", async () => {
    const member = await createUserWithSession("member");
    const other = await createUserWithSession("member");
    expect((await reset(other.user.id, undefined)).status).toBe(401);
    const asMember = await reset(other.user.id, member.cookie);
    expect(asMember.status).toBe(403);
    expect(await errorCode(asMember)).toBe("forbidden");
    const admin = await createUserWithSession("admin");
    const csrf = await reset(other.user.id, admin.cookie, {}, { origin: "https://evil.example" });
    expect(csrf.status).toBe(403);
    expect(await errorCode(csrf)).toBe("csrf_rejected");
    const db = await getDb();
    expect(await db.select().from(invitations).where(eq(invitations.userId, other.user.id))).toHaveLength(0);
  });

  it("a second reset revokes the first (audited by_reset); the list shows both as kind reset", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const first = (await body<Issued>(await reset(member.user.id, admin.cookie))).invitation;
    const second = (await body<Issued>(await reset(member.user.id, admin.cookie))).invitation;
    const db = await getDb();
    const rows = await db.select().from(invitations).where(eq(invitations.userId, member.user.id));
    expect(rows.find((r) => r.id === first.id)!.revokedAt).not.toBeNull();
    expect(rows.find((r) => r.id === second.id)!.revokedAt).toBeNull();
    const revokedEvents = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.invitationId, first.id), eq(auditEvents.action, "invitation.revoked")));
    expect(revokedEvents).toHaveLength(1);
    expect(revokedEvents[0]).toMatchObject({ actorUserId: admin.user.id, targetUserId: member.user.id });
    expect(revokedEvents[0].details).toMatchObject({ reason: "by_reset", replaced_by: second.id });

    // The first link is dead: get_token says revoked.
    const firstSecret = new URL(first.url).searchParams.get("token")!;
    const dead = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(firstSecret)}`));
    expect(dead.status).toBe(410);
    expect(await errorCode(dead)).toBe("invitation_revoked");

    const list = await listInvitations(request(`/api/invitations?q=${encodeURIComponent(member.user.email)}`, { cookie: admin.cookie }));
    const listed = (await body<{ invitations: { id: string; kind: string; status: string }[] }>(list)).invitations;
    expect(listed.map((i) => [i.id, i.kind, i.status])).toEqual([
      [second.id, "reset", "pending"],
      [first.id, "reset", "revoked"],
    ]);
    const pendingOnly = await listInvitations(request(`/api/invitations?status=pending&q=${encodeURIComponent(member.user.email)}`, { cookie: admin.cookie }));
    expect((await body<{ invitations: { id: string }[] }>(pendingOnly)).invitations.map((i) => i.id)).toEqual([second.id]);
  });

  it("disabling the user revokes their live reset link", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const issued = (await body<Issued>(await reset(member.user.id, admin.cookie))).invitation;
    expect((await PATCH(request(`/api/users/${member.user.id}`, { method: "PATCH", body: { disabled: true }, cookie: admin.cookie }), { params: Promise.resolve({ id: member.user.id }) })).status).toBe(200);
    const secret = new URL(issued.url).searchParams.get("token")!;
    const res = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(secret)}`));
    expect(await errorCode(res)).toBe("invitation_revoked");
  });

  it("an admin demoted while the reset was in flight is refused with 403 forbidden, and nothing is written", async () => {
    const a = await createUserWithSession("admin");
    await createUserWithSession("admin"); // the one who demotes a
    const member = await createUserWithSession("member");
    const db = await getDb();
    // A concurrent demotion holds the admin-change lock (as updateUser does) and commits only after
    // the reset request has passed the route's role check and queued behind the lock. On PGlite
    // transactions take turns, so there the route's own check already sees the demotion: 403 too.
    let demoted!: () => void;
    let release!: () => void;
    const isDemoted = new Promise<void>((r) => (demoted = r));
    const released = new Promise<void>((r) => (release = r));
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(727273)`);
      await tx.update(users).set({ role: "member" }).where(eq(users.id, a.user.id));
      demoted();
      await released;
    });
    await Promise.race([isDemoted, holder]);
    const pending = reset(member.user.id, a.cookie);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await holder;
    const res = await pending;
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("forbidden");
    expect(await db.select().from(invitations).where(eq(invitations.userId, member.user.id))).toHaveLength(0);
    expect(await db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, member.user.id), eq(auditEvents.action, "invitation.reset_issued")))).toHaveLength(0);
  });
});
