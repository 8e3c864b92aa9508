import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { invitations, users } from "@/db/schema";
import { verifyOnboardingToken } from "@/lib/auth/onboarding-token";
import { randomSecret } from "@/lib/auth/tokens";
import { body, createUserWithSession, inviteUser, request, snapshot, strongPassword } from "@/lib/testing/api";
import { POST as claim } from "../claim_token/route";
import { GET } from "./route";

type Issued = { onboarding_token: string; email: string; kind: string; expires_at: string };
type ErrorBody = { error: { code: string; message: string } };

/** A distinct client address per call, so rate-limit counters never carry over (also on a shared Postgres). */
function randomIp(): string {
  const b = randomUUID().replaceAll("-", "");
  return `10.${parseInt(b.slice(0, 2), 16)}.${parseInt(b.slice(2, 4), 16)}.${parseInt(b.slice(4, 6), 16)}`;
}

function getToken(query: string, init: { cookie?: string; ip?: string } = {}) {
  return GET(request(`/api/onboarding/get_token${query}`, { ip: init.ip ?? randomIp(), cookie: init.cookie }));
}

async function userIdOf(email: string) {
  const db = await getDb();
  const [u] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return u.id;
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect((await body<ErrorBody>(res)).error.code).toBe(code);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("set-cookie")).toBeNull();
}

describe("GET /api/onboarding/get_token", () => {
  it("200 with an onboarding token, the email and an expiry equal to the JWT's exp, ~15 minutes ahead", async () => {
    const inv = await inviteUser();
    const before = Date.now();
    const res = await getToken(`?token=${inv.secret}`);
    expect(res.status).toBe(200);
    const json = await body<Issued>(res);
    expect(Object.keys(json).sort()).toEqual(["email", "expires_at", "kind", "onboarding_token"]);
    expect(json.email).toBe(inv.email);
    expect(json.kind).toBe("invite");

    const claims = decodeJwt(json.onboarding_token);
    expect(json.expires_at).toBe(new Date(claims.exp! * 1000).toISOString());
    const ahead = Date.parse(json.expires_at) - before;
    expect(ahead).toBeGreaterThan(15 * 60_000 - 5_000);
    expect(ahead).toBeLessThanOrEqual(15 * 60_000 + 1_000);
    expect(decodeProtectedHeader(json.onboarding_token)).toMatchObject({ alg: "HS256", typ: "onboarding+jwt" });
    expect(claims).toMatchObject({ inv: inv.id, kind: "invite", sub: await userIdOf(inv.email), aud: "onboarding" });

    const verified = await verifyOnboardingToken(json.onboarding_token);
    expect(verified).toMatchObject({ invitationId: inv.id, kind: "invite" });
    // The link secret itself is not echoed back.
    expect(JSON.stringify(json)).not.toContain(inv.secret);
  });

  it("is private: Cache-Control no-store, no Referer, no cookie", async () => {
    const inv = await inviteUser();
    const res = await getToken(`?token=${inv.secret}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("changes nothing: users, invitations and sessions are identical before and after", async () => {
    const inv = await inviteUser();
    const userId = await userIdOf(inv.email);
    const before = await snapshot(userId);
    for (let i = 0; i < 3; i++) expect((await getToken(`?token=${inv.secret}`)).status).toBe(200);
    expect(await snapshot(userId)).toEqual(before);
    expect(before.invitations).toHaveLength(1);
    expect(before.invitations[0]).toMatchObject({ isAccepted: false, acceptedAt: null, revokedAt: null });
    expect(before.sessions).toHaveLength(0);
    expect(before.user.passwordHash).toBeNull();
  });

  it("does not sign in or out the browser that opens it", async () => {
    const signedIn = await createUserWithSession("member");
    const inv = await inviteUser();
    const res = await getToken(`?token=${inv.secret}`, { cookie: signedIn.cookie });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toBeNull();
    const after = await snapshot(signedIn.user.id);
    expect(after.sessions).toHaveLength(1);
    expect(after.sessions[0].revokedAt).toBeNull();
  });

  it("each call issues a token for the same invitation, and the link still works afterwards", async () => {
    const inv = await inviteUser();
    const a = await body<Issued>(await getToken(`?token=${inv.secret}`));
    const b = await body<Issued>(await getToken(`?token=${inv.secret}`));
    expect(decodeJwt(a.onboarding_token).inv).toBe(decodeJwt(b.onboarding_token).inv);
  });

  it("400 invalid_request without a token (or an empty one, or one over 256 characters)", async () => {
    await expectError(await getToken(""), 400, "invalid_request");
    await expectError(await getToken("?token="), 400, "invalid_request");
    await expectError(await getToken(`?token=${"a".repeat(257)}`), 400, "invalid_request");
  });

  it("404 invitation_not_found for an unknown or malformed link", async () => {
    await expectError(await getToken(`?token=${randomSecret()}`), 404, "invitation_not_found");
    await expectError(await getToken("?token=short"), 404, "invitation_not_found");
    await expectError(await getToken("?token=%00%27%20OR%201%3D1"), 404, "invitation_not_found");
  });

  it("404 when given the stored hash instead of the secret", async () => {
    const inv = await inviteUser();
    const db = await getDb();
    const [row] = await db.select().from(invitations).where(eq(invitations.id, inv.id));
    await expectError(await getToken(`?token=${row.tokenHash}`), 404, "invitation_not_found");
  });

  it("409 invitation_already_used once claimed", async () => {
    const inv = await inviteUser();
    const jwt = (await body<Issued>(await getToken(`?token=${inv.secret}`))).onboarding_token;
    const claimed = await claim(
      request("/api/onboarding/claim_token", {
        body: { token: inv.secret, password: strongPassword() },
        headers: { authorization: `Bearer ${jwt}` },
        ip: randomIp(),
      }),
    );
    expect(claimed.status).toBe(200);
    await expectError(await getToken(`?token=${inv.secret}`), 409, "invitation_already_used");
  });

  it("410 invitation_revoked for a revoked link", async () => {
    const inv = await inviteUser();
    const db = await getDb();
    await db.update(invitations).set({ revokedAt: new Date() }).where(eq(invitations.id, inv.id));
    const res = await getToken(`?token=${inv.secret}`);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    await expectError(res, 410, "invitation_revoked");
  });

  it("410 invitation_revoked for a disabled user's link", async () => {
    const inv = await inviteUser();
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.email, inv.email));
    await expectError(await getToken(`?token=${inv.secret}`), 410, "invitation_revoked");
  });

  it("410 invitation_expired for an expired link", async () => {
    const inv = await inviteUser();
    const db = await getDb();
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, inv.id));
    await expectError(await getToken(`?token=${inv.secret}`), 410, "invitation_expired");
  });

  it("changes nothing for a dead link either", async () => {
    const inv = await inviteUser();
    const db = await getDb();
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, inv.id));
    const userId = await userIdOf(inv.email);
    const before = await snapshot(userId);
    expect((await getToken(`?token=${inv.secret}`)).status).toBe(410);
    expect(await snapshot(userId)).toEqual(before);
  });

  it("429 with Retry-After after too many requests for one link", async () => {
    const inv = await inviteUser();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 21; i++) {
      last = await getToken(`?token=${inv.secret}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});
