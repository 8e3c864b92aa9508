import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { startSmtpCapture, type Captured, type SmtpCapture } from "../lib/testing/smtp";
import { freshSchema, withClient } from "./support/pg";
import { apiLogin, startServer, type AppServer } from "./support/server";

// Email end to end (issue 10): production servers with SMTP_URL pointing at a real SMTP server in
// this process (lib/testing/smtp.ts). The forgot-password journey and an invitation by email in
// Chromium; a server SIGKILLed after the invitation committed and before its email went out delivers
// it after a restart, exactly once (PGlite, and Postgres when E2E_DATABASE_URL is set); two instances
// on one Postgres deliver 200 invitations exactly once each, and no link secret stays in the outbox.
// Nothing here is timed as a performance assertion.

const databaseUrl = process.env.E2E_DATABASE_URL;
const NEEDS_PG = "needs E2E_DATABASE_URL (scripts/test-all.sh sets it)";
const APP = "Team dashboard"; // APP_NAME's default
// Ports of this file: 3291 the browser journeys' server, 3292/3293 the killed server (PGlite/Postgres),
// 3294/3295 the two instances, 3296 the SMTP port nothing listens on until the restart.
const PORTS = { journeys: 3291, killPglite: 3292, killPostgres: 3293, pair: [3294, 3295], lateSmtp: 3296 };
const MAIL_FROM = "Team dashboard <no-reply@email-e2e.test>";
const BASE_ENV = { BCRYPT_COST: "4", RATE_LIMITS: "off", MAIL_FROM };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokenOf = (link: string) => new URL(link).searchParams.get("token")!;

async function waitUntil(what: string, ms: number, ok: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The first captured message matching `match`, waiting for it. */
async function mailTo(capture: SmtpCapture, match: (m: Captured) => boolean, what: string, ms = 15_000): Promise<Captured> {
  let found: Captured | undefined;
  await waitUntil(`${what} (captured so far: ${capture.messages.map((m) => `${m.to}: ${m.subject}`).join("; ") || "none"})`, ms, () => {
    found = capture.messages.find(match);
    return found !== undefined;
  });
  return found!;
}

type Delivery = { state: string; attempts: number; next_attempt_at: string | null; sent_at: string | null; error: string | null };

/** An invitation's email delivery as the admin's list shows it. */
async function deliveryOf(server: AppServer, cookie: string, email: string): Promise<Delivery | null> {
  const res = await fetch(`${server.url}/api/invitations?q=${encodeURIComponent(email)}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { invitations: { email: string; delivery: Delivery | null }[]; email: string };
  expect(body.email).toBe("on");
  const row = body.invitations.find((i) => i.email === email);
  expect(row, `invitation of ${email} listed`).toBeDefined();
  return row!.delivery;
}



async function setPassword(page: Page, password: string, button: string) {
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: button }).click();
}

// ---- In the browser: an invitation by email, and forgot password -------------------------------------
test.describe("email in the browser (PGlite)", () => {
  const admin = { email: "admin@email-e2e.test", password: "Lichen-Barometer-Quay-5521" };
  let server: AppServer;
  let capture: SmtpCapture;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    capture = await startSmtpCapture();
    server = await startServer({
      port: PORTS.journeys,
      dataDir: ".data/e2e-email",
      env: { ...BASE_ENV, SMTP_URL: capture.url, MAIL_POLL_MS: "200", ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
    });
  });

  test.afterAll(async () => {
    await server?.stop();
    await capture?.close();
  });

  // First in this file: the forgot-password test below changes the admin's password.
  test("an invitation by email: the link in the email sets up the account, the inviter is told, the link is then used", async ({ browser }) => {
    const cookie = await apiLogin(server.url, admin.email, admin.password);
    const invitee = `invitee-${randomBytes(3).toString("hex")}@example.com`;
    const res = await fetch(`${server.url}/api/invitations`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url, cookie },
      body: JSON.stringify({ email: invitee, role: "member" }),
    });
    expect(res.status).toBe(201);
    const { invitation } = (await res.json()) as { invitation: { id: string; url: string; emailed: boolean } };
    expect(invitation.emailed).toBe(true);

    const mail = await mailTo(capture, (m) => m.to === invitee, `the invitation to ${invitee}`);
    expect(mail.subject).toBe(`You're invited to ${APP}`);
    expect(mail.from).toContain("no-reply@email-e2e.test");
    expect(mail.text).toContain(`${admin.email} has invited you to join ${APP} as a member, with the address ${invitee}.`);
    expect(mail.link, "a link to /onboarding in the text part").not.toBeNull();
    expect(mail.link).toBe(invitation.url); // the same link the admin was shown
    expect(mail.html).toContain(mail.link!);
    await waitUntil("delivery sent", 10_000, async () => (await deliveryOf(server, cookie, invitee))?.state === "sent");

    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto(mail.link!);
    await expect(page.getByRole("heading", { name: "Set up your account" })).toBeVisible();
    const password = `Osprey-Tangent-${Date.now()}-Fjord`;
    await setPassword(page, password, "Set password and sign in");
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
    await expect(page.getByTestId("whoami")).toContainText(invitee);

    // The inviter's notice.
    const notice = await mailTo(capture, (m) => m.to === admin.email && m.subject === `${invitee} joined ${APP}`, "the inviter's notice");
    expect(notice.text).toContain(`${invitee} accepted your invitation and joined ${APP} as a member`);
    expect(notice.link).toBeNull();

    // The same link again: used.
    const again = await context.newPage();
    await again.goto(mail.link!);
    await expect(again.getByRole("heading", { name: "This invitation has already been used" })).toBeVisible();
    await expect(again.getByTestId("link-problem")).toHaveAttribute("data-reason", "invitation_already_used");

    // One invitation email and one notice, no more.
    await sleep(600);
    expect(capture.messages.filter((m) => m.to === invitee)).toHaveLength(1);
    expect(capture.messages.filter((m) => m.subject === `${invitee} joined ${APP}`)).toHaveLength(1);
    await context.close();
  });

  test("forgot password: the sign-in page's link, the email, a new password; the old one no longer signs in", async ({ browser }) => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto("/login");
    const forgot = page.getByRole("link", { name: "Forgot password?" });
    await expect(forgot).toBeVisible(); // fails within the expect timeout, not the test's
    await forgot.click();
    await page.waitForURL("**/forgot-password");
    await page.getByLabel("Email", { exact: true }).fill(admin.email);
    await page.getByRole("button", { name: "Email me a reset link" }).click();
    await expect(page.getByText(/If an account uses this address/)).toBeVisible();

    const mail = await mailTo(capture, (m) => m.to === admin.email && m.subject === `Reset your password for ${APP}`, "the reset email");
    expect(mail.text).toContain(`Someone asked on the sign-in page to reset the password of your ${APP} account, ${admin.email}.`);
    expect(mail.link, "a link to /onboarding in the text part").not.toBeNull();

    const reset = await context.newPage();
    await reset.goto(mail.link!);
    await expect(reset.getByRole("heading", { name: `Reset your password for ${admin.email}` })).toBeVisible();
    const newPassword = `Harbor-Quince-${Date.now()}-Mistral`;
    await setPassword(reset, newPassword, "Set new password and sign in");
    await expect(reset).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
    await expect(reset.getByTestId("whoami")).toContainText(admin.email);

    // The "password was reset" notice.
    const notice = await mailTo(capture, (m) => m.to === admin.email && m.subject === `Your ${APP} password was reset`, "the reset notice");
    expect(notice.text).toContain(`A password-reset link for your ${APP} account, ${admin.email}, was used`);

    // In a fresh browser: the old password is refused, the new one signs in.
    const other = await browser.newContext({ baseURL: server.url });
    const signIn = await other.newPage();
    await signIn.goto("/login");
    await signIn.getByLabel("Email", { exact: true }).fill(admin.email);
    await signIn.getByLabel("Password", { exact: true }).fill(admin.password);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await expect(signIn.getByText("That email and password don't match an active account.")).toBeVisible();
    await expect(signIn).toHaveURL(/\/login/);
    await signIn.getByLabel("Password", { exact: true }).fill(newPassword);
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await expect(signIn.getByTestId("whoami")).toContainText(admin.email);

    // Exactly one reset email for the one request.
    expect(capture.messages.filter((m) => m.subject === `Reset your password for ${APP}`)).toHaveLength(1);
    await Promise.all([context.close(), other.close()]);
  });
});

// ---- SIGKILL after commit, before send; then a restart ----------------------------------------------
for (const driver of ["pglite", "postgres"] as const) {
  test(`a server killed after the invitation committed and before its email went out delivers it after a restart, once (${driver})`, async () => {
    test.skip(driver === "postgres" && !databaseUrl, NEEDS_PG);
    test.setTimeout(90_000);
    const admin = { email: "admin@kill-email.test", password: "Pewter-Glacier-Anvil-3307" };
    const port = driver === "postgres" ? PORTS.killPostgres : PORTS.killPglite;
    const env: Record<string, string> = {
      ...BASE_ENV,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      // Nothing listens there until after the restart.
      SMTP_URL: `smtp://mailer:mail-password@127.0.0.1:${PORTS.lateSmtp}`,
      MAIL_POLL_MS: "200",
      // Retried every 2 s, long enough a list that the message is still queued after the restart.
      MAIL_RETRY_SECONDS: Array(20).fill("2").join(","),
    };
    if (driver === "postgres") {
      await freshSchema(databaseUrl!);
      Object.assign(env, { DATABASE_URL: databaseUrl!, AUTH_SECRET: randomBytes(32).toString("base64url") });
    } else {
      const dataDir = path.join(".data", "e2e-email-kill");
      fs.rmSync(dataDir, { recursive: true, force: true });
      env.PGLITE_DIR = path.join(dataDir, "pglite");
    }

    const first = await startServer({ port, env });
    const invitee = `late-${driver}-${randomBytes(3).toString("hex")}@example.com`;
    let cookie: string;
    let link: string;
    try {
      cookie = await apiLogin(first.url, admin.email, admin.password);
      const inv = await fetch(`${first.url}/api/invitations`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: first.url, cookie },
        body: JSON.stringify({ email: invitee }),
      });
      expect(inv.status).toBe(201);
      const { invitation } = (await inv.json()) as { invitation: { url: string; emailed: boolean } };
      expect(invitation.emailed).toBe(true);
      link = invitation.url;

      // Committed, not sent: the sender tried, could not reach the mail server, and waits to retry.
      // Killed between attempts (not while one holds its lease, which would delay the retry by the
      // lease's 120 s): at least half a second before the next one is due.
      const last: { delivery?: Delivery | null } = {};
      await waitUntil("the delivery retrying, between two attempts", 20_000, async () => {
        const d = (last.delivery = await deliveryOf(first, cookie, invitee));
        expect(["queued", "sending", "retrying"]).toContain(d?.state);
        return d?.state === "retrying" && Date.parse(d.next_attempt_at!) - Date.now() > 500;
      });
      expect(last.delivery?.error).toBe("the mail server could not be reached");
      first.process.kill("SIGKILL");
    } finally {
      if (first.process.exitCode === null && first.process.signalCode === null) first.process.kill("SIGKILL");
      await first.stop();
    }

    // The mail server comes up on that port; the server restarts on the same data.
    const capture = await startSmtpCapture(PORTS.lateSmtp);
    const again = await startServer({ port, env }).catch(async (err) => {
      await capture.close();
      throw err;
    });
    try {
      const mail = await mailTo(capture, (m) => m.to === invitee, `the invitation to ${invitee} after the restart`, 20_000);
      expect(mail.subject).toBe(`You're invited to ${APP}`);
      expect(mail.link).toBe(link!);
      await waitUntil("delivery sent", 10_000, async () => (await deliveryOf(again, cookie, invitee))?.state === "sent");
      // A few more sender rounds: still exactly one.
      await sleep(1000);
      expect(capture.messages.filter((m) => m.to === invitee)).toHaveLength(1);
      expect(capture.messages).toHaveLength(1);
      if (driver === "postgres") {
        const rows = await withClient(databaseUrl!, async (db) => (await db.query("SELECT status, sealed, attempts FROM outbox WHERE recipient = $1", [invitee])).rows);
        expect(rows).toHaveLength(1);
        expect(rows[0].status).toBe("sent");
        expect(rows[0].sealed).toBeNull();
        expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
      }
    } finally {
      await again.stop();
      await capture.close();
    }
  });
}

// ---- Two instances, one Postgres, 200 messages --------------------------------------------------------
test.describe("two instances on one Postgres send each of 200 invitations once", () => {
  test.skip(!databaseUrl, NEEDS_PG);
  const admin = { email: "admin@pair-email.test", password: "Saffron-Trellis-Beacon-8812" };
  const COUNT = 200;
  let servers: AppServer[] = [];
  let capture: SmtpCapture;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    await freshSchema(databaseUrl!);
    capture = await startSmtpCapture();
    const env = {
      ...BASE_ENV,
      DATABASE_URL: databaseUrl!,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      APP_URL: `http://127.0.0.1:${PORTS.pair[0]}`, // one public URL for the deployment
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      SMTP_URL: capture.url,
      MAIL_POLL_MS: "100",
    };
    // One after the other: both would run the migrations at once otherwise.
    servers.push(await startServer({ port: PORTS.pair[0], env }));
    servers.push(await startServer({ port: PORTS.pair[1], env }));
  });

  test.afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    servers = [];
    await capture?.close();
  });

  test("bulk invitations split across both servers: 200 messages, 200 Message-IDs, each address once, every row sent, no secret left", async () => {
    test.setTimeout(120_000);
    const [a, b] = servers;
    const cookie = await apiLogin(a.url, admin.email, admin.password);
    const runId = randomBytes(3).toString("hex");
    const addresses = Array.from({ length: COUNT }, (_, n) => `bulk-${runId}-${n}@example.com`);
    const urls = new Map<string, string>();
    // Half through each server, at the same time.
    const halves = [addresses.slice(0, COUNT / 2), addresses.slice(COUNT / 2)];
    await Promise.all(
      [a, b].map(async (server, i) => {
        const res = await fetch(`${server.url}/api/invitations/bulk`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: a.url, cookie },
          body: JSON.stringify({ emails: halves[i], role: "member" }),
        });
        const text = await res.text();
        expect(res.status, text).toBe(200);
        const { results } = JSON.parse(text) as { results: { email: string; outcome: string; invitation?: { url: string; emailed: boolean } }[] };
        expect(results).toHaveLength(COUNT / 2);
        for (const r of results) {
          expect(r.invitation?.emailed, `${r.email}: ${r.outcome}`).toBe(true);
          urls.set(r.email, r.invitation!.url);
        }
      }),
    );
    expect(urls.size).toBe(COUNT);

    await withClient(databaseUrl!, async (db) => {
      const queued = async () => Number((await db.query("SELECT count(*)::int AS n FROM outbox WHERE status = 'queued'")).rows[0].n);
      await waitUntil("no queued outbox rows", 60_000, async () => (await queued()) === 0);
      await capture.waitFor(COUNT, 10_000);
      // A few more sender rounds on both instances: nothing sent twice.
      await sleep(1000);

      const got = capture.messages;
      expect(got).toHaveLength(COUNT);
      expect(new Set(got.map((m) => m.messageId)).size).toBe(COUNT);
      const perAddress = new Map<string, number>();
      for (const m of got) perAddress.set(m.to, (perAddress.get(m.to) ?? 0) + 1);
      expect([...perAddress.keys()].sort()).toEqual([...addresses].sort());
      expect([...perAddress.values()].every((n) => n === 1)).toBe(true);
      for (const m of got) {
        expect(m.subject).toBe(`You're invited to ${APP}`);
        expect(m.link, `the link mailed to ${m.to}`).toBe(urls.get(m.to));
      }

      // Every row sent, its secret erased; Message-IDs as stored.
      const rows = (await db.query("SELECT * FROM outbox")).rows as Record<string, unknown>[];
      expect(rows).toHaveLength(COUNT);
      expect(rows.filter((r) => r.status !== "sent" || r.sealed !== null).map((r) => `${r.recipient}: ${r.status}, sealed ${r.sealed === null ? "null" : "set"}`)).toEqual([]);
      expect(new Set(rows.map((r) => r.message_id))).toEqual(new Set(got.map((m) => m.messageId)));

      // No link secret anywhere in the outbox.
      const dump = JSON.stringify(rows);
      const secrets = got.map((m) => tokenOf(m.link!));
      expect(new Set(secrets).size).toBe(COUNT);
      expect(secrets.filter((s) => dump.includes(s))).toEqual([]);
    });

    // Who sent what, from each server's "email sent" log lines (information only, not asserted).
    const sentBy = servers.map((s) => (s.output().match(/"msg":"email sent"/g) ?? []).length);
    console.log(`email/two instances: ${COUNT} messages; "email sent" logged by ${PORTS.pair[0]}: ${sentBy[0]}, by ${PORTS.pair[1]}: ${sentBy[1]}`);
  });
});
