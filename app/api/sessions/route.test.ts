import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents } from "@/db/schema";
import { createSession, sessionCookieName } from "@/lib/auth/session";
import { body, createUserWithSession, request } from "@/lib/testing/api";
import { GET as me } from "../me/route";
import { POST as revokeOthers } from "./revoke_others/route";
import { GET as list } from "./route";

type Listed = { sessions: { id: string; created_at: string; expires_at: string; current: boolean }[] };

describe("GET /api/sessions and POST /api/sessions/revoke_others", () => {
  it("lists only the caller's live sessions, marks the current one, and shows no token or hash", async () => {
    const alice = await createUserWithSession("member");
    const bob = await createUserWithSession("member");
    const db = await getDb();
    const second = await createSession(db, alice.user.id);
    const res = await list(request("/api/sessions", { cookie: alice.cookie }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.clone().text();
    expect(text).not.toContain(second.token);
    expect(text).not.toMatch(/token|hash/i);
    const { sessions } = await body<Listed>(res);
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const bobs = await body<Listed>(await list(request("/api/sessions", { cookie: bob.cookie })));
    expect(bobs.sessions.map((s) => s.id)).not.toContain(sessions[0].id);
  });

  it("signs the user out everywhere else, keeps this session and leaves other users alone", async () => {
    const alice = await createUserWithSession("member");
    const bob = await createUserWithSession("member");
    const db = await getDb();
    const laptop = await createSession(db, alice.user.id);
    const phone = await createSession(db, alice.user.id);
    const ua = "Mozilla/5.0 (sessions-test)";
    const res = await revokeOthers(request("/api/sessions/revoke_others", { body: {}, cookie: alice.cookie, ip: "203.0.113.5", headers: { "user-agent": ua } }));
    expect(res.status).toBe(200);
    expect((await body<{ revoked: number }>(res)).revoked).toBe(2);
    // One event for the whole sign-out, with who, where from and how many; no token.
    const events = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetUserId, alice.user.id), eq(auditEvents.action, "user.sessions_revoked")));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorUserId: alice.user.id, actorEmail: alice.user.email, ip: "203.0.113.5", userAgent: ua, details: { scope: "others", revoked: 2 } });
    for (const t of [alice.token, laptop.token, phone.token]) expect(JSON.stringify(events)).not.toContain(t);
    for (const s of [laptop, phone]) {
      expect((await me(request("/api/me", { cookie: `${sessionCookieName()}=${s.token}` }))).status).toBe(401);
    }
    expect((await me(request("/api/me", { cookie: alice.cookie }))).status).toBe(200);
    expect((await me(request("/api/me", { cookie: bob.cookie }))).status).toBe(200);
  });

  it("needs a session and a same-origin request", async () => {
    expect((await list(request("/api/sessions"))).status).toBe(401);
    const alice = await createUserWithSession("member");
    const crossSite = await revokeOthers(request("/api/sessions/revoke_others", { body: {}, cookie: alice.cookie, headers: { origin: "https://evil.example" } }));
    expect(crossSite.status).toBe(403);
    expect((await body<{ error: { code: string } }>(crossSite)).error.code).toBe("csrf_rejected");
  });
});
