import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { invitations, users } from "@/db/schema";
import { sha256Hex } from "@/lib/auth/tokens";
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
    expect(Object.keys(json.invitation).sort()).toEqual(["email", "expires_at", "id", "kind", "role", "url"]);
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
      expect(Object.keys(i).sort()).toEqual(["accepted_at", "created_at", "email", "expires_at", "id", "invited_by", "kind", "revoked_at", "role", "status"]);
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
