import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, sessions } from "@/db/schema";
import { createUserWithSession, ORIGIN, request } from "@/lib/testing/api";
import { GET as meGet } from "../../me/route";
import { POST as logout } from "./route";

describe("POST /api/auth/logout", () => {
  it("answers 204 without a session, and clears the cookie anyway", async () => {
    const res = await logout(request("/api/auth/logout", { method: "POST" }));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^session=;/);
    expect(setCookie).toContain("Max-Age=0");
  });

  it("answers 204 for a garbage cookie, and records nothing", async () => {
    const ip = "203.0.113.78";
    const res = await logout(request("/api/auth/logout", { method: "POST", cookie: "session=garbage", ip }));
    expect(res.status).toBe(204);
    const db = await getDb();
    expect(await db.select().from(auditEvents).where(eq(auditEvents.ip, ip))).toHaveLength(0);
  });

  it("with a session: 204, the cookie cleared, and the session no longer works", async () => {
    const { user, cookie, token } = await createUserWithSession("member");
    expect((await meGet(request("/api/me", { cookie }))).status).toBe(200);

    const res = await logout(request("/api/auth/logout", { method: "POST", cookie, ip: "203.0.113.77", headers: { "user-agent": "Mozilla/5.0 (logout-test)" } }));
    expect(res.status).toBe(204);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^session=; /);
    expect(setCookie).toContain("Max-Age=0");
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("Path=/");
    expect(setCookie).not.toContain(token);
    expect(res.headers.get("cache-control")).toBe("no-store");

    const me = await meGet(request("/api/me", { cookie }));
    expect(me.status).toBe(401);
    expect((await me.json()).error.code).toBe("unauthorized");

    const db = await getDb();
    const [row] = await db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(row.revokedAt).not.toBeNull();
    const events = await db.select().from(auditEvents).where(eq(auditEvents.actorUserId, user.id));
    expect(events.map((e) => e.action)).toContain("user.logout");
    const ev = events.find((e) => e.action === "user.logout")!;
    expect(ev).toMatchObject({ targetUserId: user.id, actorEmail: user.email, ip: "203.0.113.77", userAgent: "Mozilla/5.0 (logout-test)" });
    expect(JSON.stringify(ev)).not.toContain(token);
  });

  it("signs out only the session it was given", async () => {
    const a = await createUserWithSession("member");
    const b = await createUserWithSession("member");
    expect((await logout(request("/api/auth/logout", { method: "POST", cookie: a.cookie }))).status).toBe(204);
    expect((await meGet(request("/api/me", { cookie: a.cookie }))).status).toBe(401);
    expect((await meGet(request("/api/me", { cookie: b.cookie }))).status).toBe(200);
  });

  it("refuses a cross-site logout (403 csrf_rejected) and keeps the session", async () => {
    const { cookie } = await createUserWithSession("member");
    const res = await logout(request("/api/auth/logout", { method: "POST", cookie, headers: { origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("csrf_rejected");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect((await meGet(request("/api/me", { cookie }))).status).toBe(200);

    const noOrigin = await logout(new Request(new URL("/api/auth/logout", ORIGIN), { method: "POST", headers: { cookie } }));
    expect(noOrigin.status).toBe(403);
    expect((await meGet(request("/api/me", { cookie }))).status).toBe(200);
  });
});
