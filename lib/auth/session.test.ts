import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { createUserWithSession } from "../testing/api";
import {
  clearedSessionCookie,
  createSession,
  revokeSessionToken,
  sessionCookie,
  sessionCookieName,
  sessionTokenFromCookieHeader,
  singleCookieValue,
  validateSessionToken,
} from "./session";

const originalAppUrl = process.env.APP_URL;
afterEach(() => {
  process.env.APP_URL = originalAppUrl;
});

describe("session cookie", () => {
  it("is HttpOnly, SameSite=Lax, Path=/ and not Secure over http", () => {
    process.env.APP_URL = "http://localhost:3000";
    const c = sessionCookie("t".repeat(43), new Date(Date.now() + 3600_000));
    expect(c).toMatch(/^session=t{43}; /);
    expect(c).toContain("HttpOnly");
    expect(c).toContain("SameSite=Lax");
    expect(c).toContain("Path=/");
    expect(c).not.toContain("Secure");
    expect(c).not.toContain("Domain");
  });

  it("uses the __Host- prefix and Secure over https", () => {
    process.env.APP_URL = "https://dash.example.com";
    expect(sessionCookieName()).toBe("__Host-session");
    const c = sessionCookie("t".repeat(43), new Date(Date.now() + 3600_000));
    expect(c).toMatch(/^__Host-session=/);
    expect(c).toContain("; Secure");
    expect(c).toContain("Path=/");
    expect(clearedSessionCookie()).toMatch(/^__Host-session=; .*Max-Age=0/);
  });

  it("reads only its own cookie from a Cookie header", () => {
    process.env.APP_URL = "http://localhost:3000";
    expect(sessionTokenFromCookieHeader("a=1; session=abc; b=2")).toBe("abc");
    expect(sessionTokenFromCookieHeader("xsession=abc")).toBeNull();
    expect(sessionTokenFromCookieHeader(null)).toBeNull();
  });

  it("refuses a duplicated session cookie, whichever comes first", () => {
    process.env.APP_URL = "http://localhost:3000";
    expect(sessionTokenFromCookieHeader("session=planted; session=mine")).toBeNull();
    expect(sessionTokenFromCookieHeader("session=mine; a=1; session=planted")).toBeNull();
    expect(sessionTokenFromCookieHeader("session=mine;session=mine")).toBeNull();
    expect(sessionTokenFromCookieHeader("session=; session=mine")).toBeNull();
    process.env.APP_URL = "https://dash.example.com";
    expect(sessionTokenFromCookieHeader("__Host-session=a; __Host-session=b")).toBeNull();
    expect(sessionTokenFromCookieHeader("session=a; __Host-session=b")).toBe("b");
  });
});

describe("singleCookieValue", () => {
  it("returns the value of a cookie that appears exactly once", () => {
    expect(singleCookieValue("a=1; device=xyz; b=2", "device")).toBe("xyz");
    expect(singleCookieValue(" device = xyz ", "device")).toBe("xyz");
    expect(singleCookieValue("device=a=b", "device")).toBe("a=b");
  });

  it("returns null when it is absent, empty or duplicated", () => {
    expect(singleCookieValue(undefined, "device")).toBeNull();
    expect(singleCookieValue("", "device")).toBeNull();
    expect(singleCookieValue("xdevice=1; devicex=2; device", "device")).toBeNull();
    expect(singleCookieValue("device=", "device")).toBeNull();
    expect(singleCookieValue("device=1; device=2", "device")).toBeNull();
    expect(singleCookieValue("device=1; other=x; device=1", "device")).toBeNull();
  });

  it("compares names exactly (cookie names are case-sensitive)", () => {
    expect(singleCookieValue("Device=1; device=2", "device")).toBe("2");
  });
});

describe("sessions", () => {
  it("stores only a hash, gives a fresh token each time, and stops working once revoked", async () => {
    const db = await getDb();
    const { user } = await createUserWithSession("member");
    const a = await createSession(db, user.id);
    const b = await createSession(db, user.id);
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { rows } = (await db.execute(`select token_hash from sessions where user_id = '${user.id}'`)) as unknown as { rows: { token_hash: string }[] };
    expect(rows.map((r) => r.token_hash)).not.toContain(a.token);
    expect((await validateSessionToken(db, a.token))?.user.id).toBe(user.id);
    await revokeSessionToken(db, a.token);
    expect(await validateSessionToken(db, a.token)).toBeNull();
    expect((await validateSessionToken(db, b.token))?.user.id).toBe(user.id);
  });

  it("rejects an expired session", async () => {
    const db = await getDb();
    const { user } = await createUserWithSession("member");
    const s = await createSession(db, user.id);
    await db.execute(`update sessions set expires_at = now() - interval '1 second' where user_id = '${user.id}'`);
    expect(await validateSessionToken(db, s.token)).toBeNull();
  });
});
