import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb, type DB } from "../../db";
import { auditEvents, outbox } from "../../db/schema";
import { changePassword } from "../auth/password-change";
import { requestPasswordReset } from "../forgot-password";
import { createInvitation, revokeInvitation } from "../invitations";
import { claimInvitation, issueOnboardingToken } from "../onboarding";
import { rows } from "../rate-limit";
import { createUserWithSession, strongPassword, uniqueEmail } from "../testing/api";
import { dropFreshDatabases, freshDatabase } from "../testing/fresh-db";
import { emailOnForEachTest } from "../testing/email-on";
import { startSmtpCapture } from "../testing/smtp";
import { issueReset } from "../users";
import { leaseDue } from "./outbox";
import { deliverDue } from "./sender";

// The outbox end to end against a real SMTP server in this process: what is written with each change,
// what arrives, retries, crashes, revoked links, and that no secret is ever stored in clear.

const onPostgres = Boolean(process.env.DATABASE_URL);
const mail = emailOnForEachTest("0,0");
let db: DB;

beforeAll(async () => {
  if (onPostgres) await freshDatabase();
  db = await getDb();
});
afterAll(dropFreshDatabases);


async function invite(createdBy: string | null = null, email = uniqueEmail("invitee")) {
  const r = await createInvitation(db, { email, role: "member", createdBy });
  if (!r.ok) throw new Error(r.reason);
  return { ...r.invitation, secret: new URL(r.invitation.url).searchParams.get("token")! };
}

async function rowsFor(invitationId: string) {
  return db.select().from(outbox).where(eq(outbox.invitationId, invitationId));
}

async function claim(secret: string, password = strongPassword()) {
  const t = await issueOnboardingToken(db, secret);
  if (!t.ok) return t;
  return claimInvitation(db, { onboardingToken: t.onboardingToken, secret, password });
}

describe("the invitation email", () => {
  it("is queued with the invitation and delivered after commit: recipient, subject, both parts, a link that works once", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await invite(admin.user.id);
    expect(inv.emailed).toBe(true);
    const [queued] = await rowsFor(inv.id);
    expect(queued).toMatchObject({ kind: "invitation", status: "queued", recipient: inv.email, attempts: 0 });

    const round = await deliverDue(db);
    expect(round.sent).toBeGreaterThanOrEqual(1);
    const [got] = mail.smtp.messages.filter((m) => m.to === inv.email);
    expect(got.from).toContain("no-reply@example.com");
    expect(got.subject).toBe("You're invited to Team dashboard");
    expect(got.text).toContain(`${admin.user.email} has invited you to join Team dashboard as a member`);
    expect(got.text).toMatch(/expires on \w+day, \d{1,2} \w+ \d{4}, \d\d:\d\d UTC/);
    expect(got.html).toContain("Accept the invitation");
    expect(got.html).not.toMatch(/<img|<script/i);
    expect(got.messageId).toBe(queued.messageId);
    expect(got.link).toBe(inv.url);
    expect(got.html).toContain(inv.url.replace(/&/g, "&amp;"));

    const [sent] = await rowsFor(inv.id);
    expect(sent).toMatchObject({ status: "sent", sealed: null, attempts: 1 });
    const events = await db.select().from(auditEvents).where(sql`${auditEvents.invitationId} = ${inv.id} AND ${auditEvents.action} = 'email.sent'`);
    expect(events).toHaveLength(1);

    const secret = new URL(got.link!).searchParams.get("token")!;
    expect((await claim(secret)).ok).toBe(true);
    expect(await claim(secret)).toMatchObject({ ok: false, reason: "invitation_already_used" });
  });

  it("never stores a link secret in clear: only sealed, and erased once sent", async () => {
    const inv = await invite();
    const dump = async () => JSON.stringify(rows(await db.execute(sql`SELECT * FROM outbox WHERE invitation_id = ${inv.id}`)));
    const before = await dump();
    expect(before).not.toContain(inv.secret);
    expect(before).toMatch(/"sealed":"v1\./);
    await deliverDue(db);
    const after = await dump();
    expect(after).not.toContain(inv.secret);
    expect(after).toContain('"sealed":null');
    // Nor in the audit trail.
    const audit = JSON.stringify(rows(await db.execute(sql`SELECT * FROM audit_events WHERE invitation_id = ${inv.id}`)));
    expect(audit).not.toContain(inv.secret);
  });

  it("is not written while email is off, and the API then says so", async () => {
    delete process.env.SMTP_URL;
    const inv = await invite();
    expect(inv.emailed).toBe(false);
    expect(await rowsFor(inv.id)).toHaveLength(0);
  });
});

describe("failures", () => {
  it("an SMTP outage (server down, then up) ends in exactly one delivery after a retry", async () => {
    process.env.MAIL_RETRY_SECONDS = "1,1,1";
    const port = mail.smtp.port;
    await mail.smtp.close();
    const inv = await invite();
    const down = await deliverDue(db);
    expect(down.retrying).toBe(1);
    let [row] = await rowsFor(inv.id);
    expect(row).toMatchObject({ status: "queued", attempts: 1, lastError: "the mail server could not be reached" });
    expect(row.sealed).not.toBeNull();

    mail.smtp = await startSmtpCapture(port);
    // Not due yet: the retry waits MAIL_RETRY_SECONDS[0].
    await deliverDue(db);
    expect(mail.smtp.messages).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 1100));
    await deliverDue(db);
    await deliverDue(db);
    expect(mail.smtp.messages.filter((m) => m.to === inv.email)).toHaveLength(1);
    [row] = await rowsFor(inv.id);
    expect(row).toMatchObject({ status: "sent", attempts: 2, sealed: null });
  });

  it("a sender that crashed after commit (or mid-send, holding a lease) loses nothing: the row goes out once its lease runs out", async () => {
    const inv = await invite();
    // A crashed instance leased it and never came back.
    const leased = await leaseDue(db, 1000);
    expect(leased.map((r) => r.invitationId)).toContain(inv.id);
    await deliverDue(db);
    expect(mail.smtp.messages.filter((m) => m.to === inv.email)).toHaveLength(0);
    await db.execute(sql`UPDATE outbox SET lease_until = now() - interval '1 second' WHERE invitation_id = ${inv.id}`);
    await deliverDue(db);
    const got = mail.smtp.messages.filter((m) => m.to === inv.email);
    expect(got).toHaveLength(1);
    const [row] = await rowsFor(inv.id);
    expect(row.status).toBe("sent");
    expect(got[0].messageId).toBe(row.messageId);
  });

  it("a permanent refusal (550) fails at once; retries run out into failed; both erase the secret and are audited", async () => {
    mail.smtp.refuseWith(550);
    const inv = await invite();
    await deliverDue(db);
    let [row] = await rowsFor(inv.id);
    expect(row).toMatchObject({ status: "failed", sealed: null, attempts: 1, lastError: "the mail server refused the message (550)" });

    mail.smtp.refuseWith(451);
    const inv2 = await invite();
    for (let i = 0; i < 3; i++) await deliverDue(db); // MAIL_RETRY_SECONDS=0,0: three attempts
    [row] = await rowsFor(inv2.id);
    expect(row).toMatchObject({ status: "failed", sealed: null, attempts: 3, lastError: "the mail server deferred the message (451)" });
    const failed = await db.select().from(auditEvents).where(sql`${auditEvents.action} = 'email.failed' AND ${auditEvents.invitationId} IN (${inv.id}, ${inv2.id})`);
    expect(failed).toHaveLength(2);
    expect(mail.smtp.messages).toHaveLength(0);
  });
});

describe("dead links are never mailed", () => {
  it("a revoked invitation's queued mail is cancelled in the revoking transaction and never sent", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await invite(admin.user.id);
    expect((await revokeInvitation(db, inv.id, admin.user.id)).ok).toBe(true);
    const [row] = await rowsFor(inv.id);
    expect(row).toMatchObject({ status: "cancelled", sealed: null, lastError: "link revoked" });
    await deliverDue(db);
    expect(mail.smtp.messages.filter((m) => m.to === inv.email)).toHaveLength(0);
  });

  it("re-inviting cancels the old link's mail and sends the new one; an expired link's mail is cancelled", async () => {
    const email = uniqueEmail("again");
    const first = await invite(null, email);
    const second = await invite(null, email);
    const [old] = await rowsFor(first.id);
    expect(old.status).toBe("cancelled");
    const short = await createInvitation(db, { email: uniqueEmail("short"), role: "member", createdBy: null, expiresInSeconds: 1 });
    if (!short.ok) throw new Error(short.reason);
    await new Promise((r) => setTimeout(r, 1100));
    await deliverDue(db);
    expect(mail.smtp.messages.filter((m) => m.to === email).map((m) => m.link)).toEqual([second.url]);
    const [expired] = await rowsFor(short.invitation.id);
    expect(expired).toMatchObject({ status: "cancelled", sealed: null, lastError: "link expired" });
  });
});

describe("notices", () => {
  it("the inviter hears that the invitation was accepted", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await invite(admin.user.id);
    await deliverDue(db);
    expect((await claim(inv.secret)).ok).toBe(true);
    await deliverDue(db);
    const notice = mail.smtp.messages.find((m) => m.to === admin.user.email);
    expect(notice?.subject).toBe(`${inv.email} joined Team dashboard`);
    expect(notice?.text).toContain("accepted your invitation");
  });

  it("a reset by an admin is mailed only (no link in the answer), and claiming it tells the user", async () => {
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const reset = await issueReset(db, { id: member.user.id, actorUserId: admin.user.id });
    if (!reset.ok) throw new Error(reset.reason);
    expect(reset.invitation).toMatchObject({ url: null, emailed: true });
    await deliverDue(db);
    const got = mail.smtp.messages.find((m) => m.to === member.user.email)!;
    expect(got.subject).toBe("Reset your password for Team dashboard");
    expect(got.text).toContain(`${admin.user.email} has sent you a link to reset the password`);
    expect(got.text).toContain("nothing changes");
    const secret = new URL(got.link!).searchParams.get("token")!;
    expect((await claim(secret)).ok).toBe(true);
    await deliverDue(db);
    const notice = mail.smtp.messages.filter((m) => m.to === member.user.email).at(-1)!;
    expect(notice.subject).toBe("Your Team dashboard password was reset");
    expect(notice.text).toContain("If this wasn't you");
  });

  it("a password change tells the user, in the same transaction", async () => {
    const member = await createUserWithSession("member");
    const r = await changePassword(db, { userId: member.user.id, currentPassword: member.password, newPassword: strongPassword() });
    expect(r.ok).toBe(true);
    const [row] = await db.select().from(outbox).where(sql`${outbox.userId} = ${member.user.id} AND ${outbox.kind} = 'password_changed'`);
    expect(row.status).toBe("queued");
    await deliverDue(db);
    const notice = mail.smtp.messages.find((m) => m.to === member.user.email)!;
    expect(notice.subject).toBe("Your Team dashboard password was changed");
    expect(notice.text).toContain("If this wasn't you");
  });
});

describe("in the invitation's language", () => {
  async function inviteIn(locale: "en" | "de", createdBy: string | null = null, role: "admin" | "member" = "member") {
    const r = await createInvitation(db, { email: uniqueEmail("sprache"), role, createdBy, locale });
    if (!r.ok) throw new Error(r.reason);
    return { ...r.invitation, secret: new URL(r.invitation.url).searchParams.get("token")! };
  }

  it("a German invitation's email is German: subject, body, button, expiry date (UTC), role; its row says de", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteIn("de", admin.user.id);
    const [queued] = await rowsFor(inv.id);
    expect(queued.data).toMatchObject({ locale: "de" });
    await deliverDue(db);
    const got = mail.smtp.messages.find((m) => m.to === inv.email)!;
    expect(got.subject).toBe("Ihre Einladung zu Team dashboard");
    expect(got.text).toMatch(/^Guten Tag,/);
    expect(got.text).toContain(`${admin.user.email} hat Sie eingeladen, Team dashboard als Mitglied beizutreten, mit der E-Mail-Adresse ${inv.email}.`);
    expect(got.text).toContain("Einladung annehmen und Passwort festlegen:");
    expect(got.text).toMatch(/läuft am \w+tag, \d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr \(UTC\) ab\./);
    expect(got.html).toContain('<html lang="de">');
    expect(got.html).toContain("Oder kopieren Sie diese Adresse in Ihren Browser:");
    expect(got.text).not.toMatch(/invited|Hello|expires/);
    expect(got.link).toBe(inv.url);
  });

  it("an English invitation stays English (the default)", async () => {
    const inv = await inviteIn("en");
    await deliverDue(db);
    const got = mail.smtp.messages.find((m) => m.to === inv.email)!;
    expect(got.subject).toBe("You're invited to Team dashboard");
    expect(got.text).toContain("You have been invited to join Team dashboard as a member");
    expect(got.html).toContain('<html lang="en">');
  });

  it("the inviter's notice is in the accepted invitation's language", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteIn("de", admin.user.id, "admin");
    expect((await claim(inv.secret)).ok).toBe(true);
    await deliverDue(db);
    const notice = mail.smtp.messages.find((m) => m.to === admin.user.email)!;
    expect(notice.subject).toBe(`${inv.email} ist Team dashboard beigetreten`);
    expect(notice.text).toContain(`${inv.email} hat Ihre Einladung angenommen und ist Team dashboard am `);
    expect(notice.text).toContain("als Administrator beigetreten.");
  });

  it("a reset of a user invited in German (by an admin, or asked on the sign-in page) is German, and so are the notices after it", async () => {
    const admin = await createUserWithSession("admin");
    const inv = await inviteIn("de");
    expect((await claim(inv.secret)).ok).toBe(true);
    const reset = await issueReset(db, { id: (await rowsFor(inv.id))[0].userId!, actorUserId: admin.user.id });
    if (!reset.ok) throw new Error(reset.reason);
    expect(reset.invitation.locale).toBe("de");
    await deliverDue(db);
    const got = mail.smtp.messages.find((m) => m.to === inv.email && m.subject.startsWith("Passwort"))!;
    expect(got.subject).toBe("Passwort für Team dashboard zurücksetzen");
    expect(got.text).toContain(`${admin.user.email} hat Ihnen einen Link gesendet, mit dem Sie das Passwort Ihres Kontos ${inv.email} bei Team dashboard zurücksetzen können.`);
    expect(got.text).toContain("Neues Passwort wählen:");
    expect((await claim(new URL(got.link!).searchParams.get("token")!)).ok).toBe(true);
    await deliverDue(db);
    expect(mail.smtp.messages.filter((m) => m.to === inv.email).at(-1)!.subject).toBe("Ihr Passwort für Team dashboard wurde zurückgesetzt");

    await requestPasswordReset(db, { email: inv.email, ip: null });
    await deliverDue(db); // decides the request (queues the reset) …
    await deliverDue(db); // … and sends it
    const selfService = mail.smtp.messages.filter((m) => m.to === inv.email).at(-1)!;
    expect(selfService.subject).toBe("Passwort für Team dashboard zurücksetzen");
    expect(selfService.text).toContain(`Auf der Anmeldeseite wurde darum gebeten, das Passwort Ihres Kontos ${inv.email} bei Team dashboard zurückzusetzen.`);
  });

  it("a password change tells a user invited in German in German (one never invited hears English: see notices)", async () => {
    const inv = await inviteIn("de");
    const password = strongPassword();
    expect((await claim(inv.secret, password)).ok).toBe(true);
    const userId = (await rowsFor(inv.id))[0].userId!;
    expect((await changePassword(db, { userId, currentPassword: password, newPassword: strongPassword() })).ok).toBe(true);
    await deliverDue(db);
    const notice = mail.smtp.messages.filter((m) => m.to === inv.email).at(-1)!;
    expect(notice.subject).toBe("Ihr Passwort für Team dashboard wurde geändert");
    expect(notice.text).toContain("Alle anderen Sitzungen wurden abgemeldet.");
  });
});
