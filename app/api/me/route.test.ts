import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sessions, users } from "@/db/schema";
import { randomSecret } from "@/lib/auth/tokens";
import { body, createUserWithSession, request } from "@/lib/testing/api";
import { GET } from "./route";

const UNAUTHORIZED = { error: { code: "unauthorized", message: "Sign in to continue." } };

async function expect401(cookie?: string) {
  const res = await GET(request("/api/me", { cookie }));
  expect(res.status).toBe(401);
  expect(await body(res)).toEqual(UNAUTHORIZED);
  expect(res.headers.get("cache-control")).toBe("no-store");
}

describe("GET /api/me", () => {
  it("401 without a cookie", async () => {
    await expect401();
  });

  it("401 for garbage and for a well-formed but unknown token", async () => {
    await expect401("session=garbage");
    await expect401(`session=${randomSecret()}`);
    await expect401("session=");
    await expect401("other=1; session=%00%00");
  });

  it("401 for a valid token under another cookie name", async () => {
    const { token } = await createUserWithSession("member");
    await expect401(`__Host-session=${token}`);
    await expect401(`xsession=${token}`);
  });

  it("401 for two session cookies, even when the first is valid (a sibling subdomain can plant one)", async () => {
    const mine = await createUserWithSession("member");
    const other = await createUserWithSession("member");
    await expect401(`${mine.cookie}; session=${randomSecret()}`);
    await expect401(`session=${randomSecret()}; ${mine.cookie}`);
    await expect401(`${mine.cookie}; ${other.cookie}`);
    await expect401(`${mine.cookie}; ${mine.cookie}`);
    expect((await GET(request("/api/me", { cookie: mine.cookie }))).status).toBe(200);
  });

  it("401 for a revoked session", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    await db.update(sessions).set({ revokedAt: new Date() }).where(eq(sessions.userId, user.id));
    await expect401(cookie);
  });

  it("401 for an expired session", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    await db.update(sessions).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(sessions.userId, user.id));
    await expect401(cookie);
  });

  it("401 for a disabled user's cookie", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, user.id));
    await expect401(cookie);
  });

  it("401 for a user without a password (not onboarded)", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ passwordHash: null }).where(eq(users.id, user.id));
    await expect401(cookie);
  });

  it("200 with exactly {user:{id,email,role}, session:{id,fresh,expires_at}} for a valid session, and no password hash", async () => {
    const { user, cookie } = await createUserWithSession("admin");
    const res = await GET(request("/api/me", { cookie: `theme=dark; ${cookie}; lang=en` }));
    expect(res.status).toBe(200);
    const text = await res.text();
    const [row] = await (await getDb()).select().from(sessions).where(eq(sessions.userId, user.id));
    expect(JSON.parse(text)).toEqual({
      user: { id: user.id, email: user.email, role: "admin" },
      session: { id: row.id, fresh: true, expires_at: row.expiresAt.toISOString() },
    });
    expect(text).not.toContain(user.passwordHash!);
    expect(text).not.toMatch(/password|\$2b\$|token/i);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("reflects a role change on the next request", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ role: "admin" }).where(eq(users.id, user.id));
    const res = await GET(request("/api/me", { cookie }));
    expect((await body<{ user: { role: string } }>(res)).user.role).toBe("admin");
  });

  it("never extends a session: its end stays SESSION_TTL_SECONDS after sign-in (no sliding expiry)", async () => {
    const { user, cookie } = await createUserWithSession("member");
    const db = await getDb();
    const soon = new Date(Date.now() + 60_000);
    await db.update(sessions).set({ expiresAt: soon }).where(eq(sessions.userId, user.id));
    expect((await GET(request("/api/me", { cookie }))).status).toBe(200);
    const [row] = await db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(row.expiresAt.getTime()).toBe(soon.getTime());
  });
});
