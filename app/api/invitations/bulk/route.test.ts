import { randomInt } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditEvents, invitations, users } from "@/db/schema";
import { canonicalEmail } from "@/lib/email";
import { MAX_BULK_BODY_BYTES } from "@/lib/invitations";
import { body, createUserWithSession, inviteUser, request } from "@/lib/testing/api";
import { GET as getToken } from "../../onboarding/get_token/route";
import { POST } from "./route";

type Result = { email: string; outcome: string; invitation?: { id: string; url: string; expires_at: string } };
type Bulk = { results: Result[] };
type ErrorBody = { error: { code: string; message: string } };

const URL_RE = /^http:\/\/localhost:3000\/onboarding\?token=([A-Za-z0-9_-]{43})$/;
const saved = { INVITE_DOMAINS: process.env.INVITE_DOMAINS, RATE_LIMIT_INVITE_ADMIN: process.env.RATE_LIMIT_INVITE_ADMIN };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function tag(): string {
  return `b${randomInt(1e9, 2e9)}`;
}

function bulk(cookie: string | undefined, payload: unknown, headers: Record<string, string> = {}) {
  return POST(request("/api/invitations/bulk", { body: payload, cookie, headers }));
}

async function linkStatus(url: string) {
  const secret = URL_RE.exec(url)![1];
  return (await getToken(request(`/api/onboarding/get_token?token=${secret}`))).status;
}

describe("POST /api/invitations/bulk", () => {
  it("every outcome in one request, one result per line in order; duplicates (any case or form) invited once; the limit stops the rest", async () => {
    const admin = await createUserWithSession("admin");
    const t = tag();
    process.env.INVITE_DOMAINS = "example.com,example.org";
    process.env.RATE_LIMIT_INVITE_ADMIN = "3/3600";
    const pending = await inviteUser(`pending-${t}@example.com`);
    const active = await createUserWithSession("member", `active-${t}@example.com`);
    const lines = [
      `new-${t}@example.com`, // invited (1st against the limit)
      `NEW-${t}@EXAMPLE.COM`, // duplicate, another case
      `pending-${t}@example.com`, // invitation_pending (2nd)
      `Active-${t}@example.com`, // user_exists (3rd)
      `zero\u200Bwidth-${t}@example.com`, // invalid_email: an invisible character
      "not an address", // invalid_email
      `outside-${t}@example.net`, // domain_not_allowed
      `οδος${t.slice(1)}@example.org`, // rate_limited (4th)
      `later-${t}@example.com`, // rate_limited
      `ΟΔΟΣ${t.slice(1)}@example.org`, // duplicate of a rate-limited line
      `new-${t}@example.com`, // duplicate again
    ];
    const res = await bulk(admin.cookie, { emails: lines, role: "member" });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { results } = await body<Bulk>(res);
    expect(results.map((r) => r.email)).toEqual(lines);
    expect(results.map((r) => r.outcome)).toEqual([
      "invited",
      "duplicate",
      "invitation_pending",
      "user_exists",
      "invalid_email",
      "invalid_email",
      "domain_not_allowed",
      "rate_limited",
      "rate_limited",
      "duplicate",
      "duplicate",
    ]);
    for (const [i, r] of results.entries()) {
      if (i === 0) {
        expect(Object.keys(r.invitation!).sort()).toEqual(["emailed", "expires_at", "id", "locale", "url"]);
        expect(r.invitation!.url).toMatch(URL_RE);
        expect(Math.abs(Date.parse(r.invitation!.expires_at) - (Date.now() + 7 * 86400_000))).toBeLessThan(60_000);
      } else {
        expect(Object.keys(r).sort(), r.email).toEqual(["email", "outcome"]);
      }
    }
    expect(await linkStatus(results[0].invitation!.url)).toBe(200);
    // The pending link still works; nothing was written for the refused lines.
    expect((await getToken(request(`/api/onboarding/get_token?token=${pending.secret}`))).status).toBe(200);
    const db = await getDb();
    for (const line of [lines[6], lines[7], lines[8]]) {
      expect(await db.select().from(users).where(eq(users.emailCanonical, canonicalEmail(line))), line).toHaveLength(0);
    }
    const [activeNow] = await db.select().from(users).where(eq(users.id, active.user.id));
    expect(activeNow.role).toBe("member");
    const [created] = await db.select().from(invitations).where(eq(invitations.id, results[0].invitation!.id));
    expect(created.createdBy).toBe(admin.user.id);
  });

  it("replace: true replaces a live pending link (outcome replaced, the old link revoked with an audit event); role and lifetime apply", async () => {
    const admin = await createUserWithSession("admin");
    const t = tag();
    const pending = await inviteUser(`rp-${t}@example.com`);
    const res = await bulk(admin.cookie, { emails: [`RP-${t}@example.com`, `fresh-${t}@example.com`], role: "admin", expires_in_seconds: 3600, replace: true });
    expect(res.status).toBe(200);
    const { results } = await body<Bulk>(res);
    expect(results.map((r) => r.outcome)).toEqual(["replaced", "invited"]);
    expect((await getToken(request(`/api/onboarding/get_token?token=${pending.secret}`))).status).toBe(410);
    expect(await linkStatus(results[0].invitation!.url)).toBe(200);
    for (const r of results) expect(Math.abs(Date.parse(r.invitation!.expires_at) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    const db = await getDb();
    const [inv] = await db.select().from(invitations).where(eq(invitations.id, results[0].invitation!.id));
    expect(inv.role).toBe("admin");
    const events = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, pending.id));
    expect(events.filter((e) => e.action === "invitation.revoked").map((e) => e.details.reason)).toEqual(["by_reinvite"]);
  });

  it("an expired pending invitation never blocks: invited", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteUser(`exp-${tag()}@example.com`);
    const db = await getDb();
    await db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.id, inv.id));
    const { results } = await body<Bulk>(await bulk(admin.cookie, { emails: [inv.email], role: "member" }));
    expect(results[0].outcome).toBe("invited");
  });

  it("counts each invited address against the admin's limit (not duplicates or refused lines), across requests", async () => {
    const admin = await createUserWithSession("admin");
    const t = tag();
    process.env.RATE_LIMIT_INVITE_ADMIN = "3/3600";
    const first = await body<Bulk>(await bulk(admin.cookie, { emails: [`c1-${t}@example.com`, `C1-${t}@example.com`, "bad", `c2-${t}@example.com`], role: "member" }));
    expect(first.results.map((r) => r.outcome)).toEqual(["invited", "duplicate", "invalid_email", "invited"]);
    const second = await body<Bulk>(await bulk(admin.cookie, { emails: [`c3-${t}@example.com`, `c4-${t}@example.com`], role: "member" }));
    expect(second.results.map((r) => r.outcome)).toEqual(["invited", "rate_limited"]);
    // Another admin has a limit of their own.
    const other = await createUserWithSession("admin");
    const third = await body<Bulk>(await bulk(other.cookie, { emails: [`c4-${t}@example.com`], role: "member" }));
    expect(third.results.map((r) => r.outcome)).toEqual(["invited"]);
  });

  it("accepts a body up to 160 kB (500 lines) and refuses one over it with 413", async () => {
    const admin = await createUserWithSession("admin");
    expect(MAX_BULK_BODY_BYTES).toBe(160 * 1024);
    const emails = Array.from({ length: 500 }, (_, i) => `${String(i).padStart(3, "0")}${"x".repeat(320)}`); // not addresses: cheap lines
    const raw = JSON.stringify({ emails, role: "member" });
    expect(raw.length).toBeGreaterThan(150 * 1024);
    expect(raw.length).toBeLessThanOrEqual(MAX_BULK_BODY_BYTES);
    const res = await POST(request("/api/invitations/bulk", { raw, cookie: admin.cookie }));
    expect(res.status).toBe(200);
    const { results } = await body<Bulk>(res);
    expect(results).toHaveLength(500);
    expect(results.every((r, i) => r.outcome === "invalid_email" && r.email === emails[i])).toBe(true);

    const over = JSON.stringify({ emails: emails.map((e) => `${e}yyyyyyyyyyyyyyyyyyyyyyyyy`), role: "member" });
    expect(over.length).toBeGreaterThan(MAX_BULK_BODY_BYTES);
    const tooBig = await POST(request("/api/invitations/bulk", { raw: over, cookie: admin.cookie }));
    expect(tooBig.status).toBe(413);
    expect((await body<ErrorBody>(tooBig)).error.code).toBe("payload_too_large");
  });

  it.each([
    ["no emails", { emails: [], role: "member" }],
    ["501 emails", { emails: Array.from({ length: 501 }, (_, i) => `a${i}@example.com`), role: "member" }],
    ["emails not a list", { emails: "a@example.com", role: "member" }],
    ["a line not a string", { emails: ["a@example.com", 5], role: "member" }],
    ["no role", { emails: ["a@example.com"] }],
    ["unknown role", { emails: ["a@example.com"], role: "owner" }],
    ["bad lifetime", { emails: ["a@example.com"], role: "member", expires_in_seconds: 0 }],
    ["replace not a boolean", { emails: ["a@example.com"], role: "member", replace: "yes" }],
  ])("400 invalid_request for %s", async (_label, payload) => {
    const admin = await createUserWithSession("admin");
    const res = await bulk(admin.cookie, payload);
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error.code).toBe("invalid_request");
  });

  it("401 without a session, 403 for a member, 403 cross-site, 415 for another content type", async () => {
    const member = await createUserWithSession("member");
    const admin = await createUserWithSession("admin");
    const payload = { emails: [`x-${tag()}@example.com`], role: "member" };
    expect((await bulk(undefined, payload)).status).toBe(401);
    const forbidden = await bulk(member.cookie, payload);
    expect(forbidden.status).toBe(403);
    expect((await body<ErrorBody>(forbidden)).error.code).toBe("forbidden");
    const csrf = await bulk(admin.cookie, payload, { origin: "https://evil.example" });
    expect((await body<ErrorBody>(csrf)).error.code).toBe("csrf_rejected");
    const text = await POST(request("/api/invitations/bulk", { raw: JSON.stringify(payload), cookie: admin.cookie, headers: { "content-type": "text/plain" } }));
    expect(text.status).toBe(415);
    const db = await getDb();
    expect(await db.select().from(users).where(eq(users.emailCanonical, canonicalEmail(payload.emails[0])))).toHaveLength(0);
  });
});
