import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DB } from "@/db";
import { auditEvents, invitations, outbox, users } from "@/db/schema";
import { canonicalEmail } from "@/lib/email";
import { deliverDue } from "@/lib/mail/sender";
import { claimInvitation, issueOnboardingToken } from "@/lib/onboarding";
import { body, createUserWithSession, inviteUser, request, strongPassword, uniqueEmail } from "@/lib/testing/api";
import { dropFreshDatabases, freshDatabase } from "@/lib/testing/fresh-db";
import { emailOnForEachTest } from "@/lib/testing/email-on";
import { addressHash } from "@/lib/mail/seal";
import { POST as forgot } from "./route";

// POST /api/auth/forgot: the same answer and the same write for every address; the sender decides
// out of band, mails only active accounts, at most 3 reset emails an hour per address.

const onPostgres = Boolean(process.env.DATABASE_URL);
const mail = emailOnForEachTest();
let db: DB;
const saved = { ip: process.env.RATE_LIMIT_FORGOT_IP, address: process.env.RATE_LIMIT_FORGOT_ADDRESS };

beforeAll(async () => {
  if (onPostgres) await freshDatabase();
  db = await getDb();
});
afterAll(dropFreshDatabases);
afterEach(() => {
  for (const [k, v] of [["RATE_LIMIT_FORGOT_IP", saved.ip], ["RATE_LIMIT_FORGOT_ADDRESS", saved.address]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const ask = (email: unknown, ip?: string) => forgot(request("/api/auth/forgot", { body: { email }, ip }));

async function requestsFor(address: string) {
  return db.select().from(outbox).where(sql`${outbox.addressHash} = ${addressHash(address)} AND ${outbox.kind} = 'forgot_request'`);
}
async function resetMailsFor(address: string) {
  return mail.smtp.messages.filter((m) => m.to === address && m.subject.startsWith("Reset your password"));
}

async function addresses() {
  const active = await createUserWithSession("member");
  const disabled = await createUserWithSession("member");
  await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, disabled.user.id));
  const pending = await inviteUser();
  return { active: active.user.email, disabled: disabled.user.email, pending: pending.email, unknown: uniqueEmail("nobody") };
}

describe("POST /api/auth/forgot", () => {
  it("is 404 email_disabled while email is off, and writes nothing", async () => {
    delete process.env.SMTP_URL;
    const email = uniqueEmail("off");
    const res = await ask(email);
    expect(res.status).toBe(404);
    expect((await body<{ error: { code: string } }>(res)).error.code).toBe("email_disabled");
    expect(await requestsFor(email)).toHaveLength(0);
  });

  it("answers every kind of address identically (status, headers, body) and records one sealed request for each", async () => {
    const a = await addresses();
    const answers = [];
    for (const email of [a.active, a.disabled, a.pending, a.unknown]) {
      const res = await ask(email);
      const headers = [...res.headers.entries()].filter(([k]) => !["date", "x-request-id"].includes(k));
      answers.push({ status: res.status, headers, text: await res.text() });
      const [row] = await requestsFor(email);
      expect(row).toMatchObject({ status: "queued", recipient: null, invitationId: null, userId: null });
      expect(row.sealed).toMatch(/^v1\./);
      // The address itself is nowhere in the row.
      expect(JSON.stringify(row)).not.toContain(email);
      expect(JSON.stringify(row)).not.toContain(canonicalEmail(email));
    }
    expect(answers[0].status).toBe(202);
    expect(JSON.parse(answers[0].text)).toEqual({
      status: "accepted",
      message: "If an account uses this address, a link to reset its password is on its way. It works once, for one hour.",
    });
    for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);

    // Out of band: only the active account gets a reset email, lasting one hour, from the sign-in page.
    await deliverDue(db);
    expect(await resetMailsFor(a.active)).toHaveLength(1);
    for (const email of [a.disabled, a.pending, a.unknown]) expect(await resetMailsFor(email)).toHaveLength(0);
    const [mail] = await resetMailsFor(a.active);
    expect(mail.text).toContain("Someone asked on the sign-in page");
    expect(mail.text).toContain("nothing changes");
    const secret = new URL(mail.link!).searchParams.get("token")!;
    const [inv] = await db.select().from(invitations).where(sql`${invitations.emailCanonical} = ${canonicalEmail(a.active)} AND ${invitations.kind} = 'reset'`);
    expect(inv.createdBy).toBeNull();
    expect(Math.round((inv.expiresAt.getTime() - inv.createdAt.getTime()) / 1000)).toBe(3600);
    for (const email of [a.active, a.disabled, a.pending, a.unknown]) {
      const [row] = await requestsFor(email);
      expect(row.status).toBe(email === a.active ? "done" : "dropped");
      expect(row.sealed).toBeNull();
    }

    // The link is an ordinary reset: claimed once through the hardened claim.
    const token = await issueOnboardingToken(db, secret);
    if (!token.ok) throw new Error(token.reason);
    expect(token.kind).toBe("reset");
    const claimed = await claimInvitation(db, { onboardingToken: token.onboardingToken, secret, password: strongPassword() });
    expect(claimed.ok).toBe(true);
  });

  it("an address receives at most 3 reset emails an hour: further requests are accepted and dropped (each new link revokes the last)", async () => {
    const member = await createUserWithSession("member");
    for (let i = 0; i < 5; i++) {
      expect((await ask(member.user.email)).status).toBe(202);
      await deliverDue(db);
    }
    const mails = await resetMailsFor(member.user.email);
    expect(mails).toHaveLength(3);
    const rows = await requestsFor(member.user.email);
    expect(rows.map((r) => r.status).sort()).toEqual(["done", "done", "done", "dropped", "dropped"]);
    const dropped = await db.select().from(auditEvents).where(sql`${auditEvents.action} = 'user.reset_request_dropped' AND ${auditEvents.targetUserId} = ${member.user.id}`);
    expect(dropped).toHaveLength(2);
    const live = await db
      .select()
      .from(invitations)
      .where(sql`${invitations.userId} = ${member.user.id} AND NOT ${invitations.isAccepted} AND ${invitations.revokedAt} IS NULL`);
    expect(live).toHaveLength(1);
    // Only the newest link works.
    expect(new URL(mails[2].link!).searchParams.get("token")).not.toBe(new URL(mails[0].link!).searchParams.get("token"));
    const old = await issueOnboardingToken(db, new URL(mails[0].link!).searchParams.get("token")!);
    expect(old).toMatchObject({ ok: false, reason: "invitation_revoked" });
  });

  it("the cap holds when several senders decide requests for one address at once", async () => {
    const member = await createUserWithSession("member");
    for (let i = 0; i < 8; i++) expect((await ask(member.user.email)).status).toBe(202);
    await Promise.all([deliverDue(db), deliverDue(db), deliverDue(db)]);
    await deliverDue(db);
    // Three resets were issued and queued; each newer link revoked the one before, whose queued mail
    // was then cancelled (a dead link is never mailed): at most 3, at least the newest, delivered.
    const resets = await db.select().from(outbox).where(sql`${outbox.addressHash} = ${addressHash(member.user.email)} AND ${outbox.kind} = 'reset'`);
    expect(resets).toHaveLength(3);
    const delivered = (await resetMailsFor(member.user.email)).length;
    expect(delivered).toBeGreaterThanOrEqual(1);
    expect(delivered).toBeLessThanOrEqual(3);
    expect((await requestsFor(member.user.email)).map((r) => r.status).sort()).toEqual([...Array(3).fill("done"), ...Array(5).fill("dropped")]);
  });

  it("is rate-limited per IP (429) and per address (accepted, not recorded)", async () => {
    process.env.RATE_LIMIT_FORGOT_IP = "2/900";
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const email = uniqueEmail("limited");
    expect((await ask(email, ip)).status).toBe(202);
    expect((await ask(uniqueEmail("other"), ip)).status).toBe(202);
    const third = await ask(email, ip);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).toMatch(/^\d+$/);

    process.env.RATE_LIMIT_FORGOT_ADDRESS = "1/3600";
    const target = uniqueEmail("flooded");
    expect((await ask(target)).status).toBe(202);
    const again = await ask(target);
    expect(again.status).toBe(202);
    expect(await requestsFor(target)).toHaveLength(1);
  });

  it("refuses a malformed body with 400 and writes nothing", async () => {
    for (const email of ["not-an-address", "", 42, null]) {
      const res = await ask(email);
      expect(res.status).toBe(400);
      expect((await body<{ error: { code: string } }>(res)).error.code).toBe("invalid_request");
    }
    const extra = await forgot(request("/api/auth/forgot", { body: { email: uniqueEmail("x"), password: "x" } }));
    expect(extra.status).toBe(400);
    const crossSite = await forgot(request("/api/auth/forgot", { body: { email: uniqueEmail("x") }, headers: { origin: "https://evil.example" } }));
    expect(crossSite.status).toBe(403);
  });

  it("a request whose sealed address no key opens (AUTH_SECRET replaced) is dropped, not retried", async () => {
    const email = uniqueEmail("sealed");
    await ask(email);
    const [row] = await requestsFor(email);
    await db.update(outbox).set({ sealed: `v1.${randomUUID()}.x.y` }).where(eq(outbox.id, row.id));
    await deliverDue(db);
    const [after] = await requestsFor(email);
    expect(after).toMatchObject({ status: "dropped", sealed: null });
  });
});
