import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin, startServer, type AppServer } from "./support/server";

// Account recovery in real browsers: an admin's reset link signs the member out everywhere and
// lets them choose a new password; the password prompt for sensitive actions on an old session
// (its own server, with REAUTH_MAX_AGE_SECONDS=3); signing out one other session from /account.

// Sessions remember a short device description (lib/auth/user-agent.ts), so each browser here gets
// its own User-Agent and its row can be told apart from "this browser".
const FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0";
const SAFARI_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

// Sign-ins are rate limited per (IP, address) and the whole suite signs the admin in from
// 127.0.0.1: one admin sign-in on the main server for this file. Resetting access needs a session that
// proved its password within REAUTH_MAX_AGE_SECONDS (900 on the main server); this file takes far less.
let adminCookie: Promise<string> | undefined;
const adminSession = (baseURL: string) => (adminCookie ??= apiLogin(baseURL, E2E_ADMIN.email, E2E_ADMIN.password));

async function asAdmin(page: Page, baseURL: string) {
  const cookie = await adminSession(baseURL);
  const at = cookie.indexOf("=");
  await page.context().addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: baseURL }]);
  await page.goto("/dashboard");
  await expect(page.getByTestId("whoami")).toContainText(E2E_ADMIN.email);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(email);
}

/**
 * A member with a password: invited through the API, claimed in its own browser context, which the
 * claim leaves signed in (on /dashboard). The caller closes the context.
 */
async function makeMember(browser: Browser, baseURL: string, userAgent?: string): Promise<{ email: string; password: string; context: BrowserContext; page: Page }> {
  const email = `recovery-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const inv = await apiInvite(baseURL, await adminSession(baseURL), email, "member");
  const password = `Quartz-Lantern-${Date.now()}-Meadow`;
  const context = await browser.newContext({ baseURL, userAgent });
  const page = await context.newPage();
  await page.goto(inv.url);
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
  await expect(page.getByTestId("whoami")).toContainText(email);
  return { email, password, context, page };
}

test("an admin resets a signed-in member's access: the other browser is signed out once the member sets a new password through the link", async ({ browser, baseURL }) => {
  // B: the member, signed in (by the claim) in a Firefox-looking browser.
  const member = await makeMember(browser, baseURL!, FIREFOX_LINUX);
  const b = member.page;

  // A: the admin, on the Users page; the member's one session is B's.
  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await asAdmin(admin, baseURL!);
  await admin.goto(`/dashboard/users?q=${encodeURIComponent(member.email)}`);
  const row = admin.getByTestId("user-row").filter({ hasText: member.email });
  await expect(row.locator(".status")).toHaveText("active");
  await row.getByRole("button", { name: `Sessions of ${member.email}` }).click();
  const sessions = admin.getByRole("table", { name: `Sessions of ${member.email}` });
  await expect(sessions.getByTestId("session-row")).toHaveCount(1);
  await expect(sessions.getByTestId("session-row")).toContainText("Firefox on Linux");

  // Reset access → confirm → the one-time link.
  await row.getByRole("button", { name: `Reset access for ${member.email}` }).click();
  const confirm = admin.getByRole("dialog", { name: "Reset this user's access?" });
  await expect(confirm).toContainText(member.email);
  await confirm.getByRole("button", { name: "Make reset link" }).click();
  await expect(confirm).toBeHidden();
  await expect(admin.getByTestId("reauth-dialog")).toBeHidden(); // a fresh admin session: no password prompt
  await expect(admin.getByTestId("users-status")).toContainText(`Made a reset link for ${member.email}.`);
  await expect(admin.getByTestId("fresh-link")).toContainText(`Password reset link for ${member.email} ready`);
  const linkInput = admin.getByLabel("Password reset link");
  await expect(linkInput).toHaveValue(/\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
  const link = await linkInput.inputValue();

  // Making the link alone signs nobody out: B is still in.
  await b.reload();
  await expect(b.getByTestId("whoami")).toContainText(member.email);
  expect((await b.request.get("/api/me")).status()).toBe(200);

  // C: the member, in a fresh browser, opens the link and sets a new password.
  const cContext = await browser.newContext({ baseURL, userAgent: SAFARI_MAC });
  const c = await cContext.newPage();
  await c.goto(link);
  await expect(c.getByRole("heading", { name: `Reset your password for ${member.email}` })).toBeVisible();
  await expect.poll(() => c.url()).not.toContain("token=");
  const newPassword = `Harbor-Thimble-${Date.now()}-Orchid`;
  await c.getByLabel("New password").fill(newPassword);
  await c.getByLabel("Confirm password").fill(newPassword);
  await c.getByRole("button", { name: "Set new password and sign in" }).click();
  await expect(c).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
  await expect(c.getByTestId("whoami")).toContainText(member.email);

  // B's next request: signed out.
  await b.reload();
  await b.waitForURL("**/login?next=/dashboard");
  await expect(b.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect((await b.request.get("/api/me")).status()).toBe(401);

  // The admin's view: the member has one session left, C's.
  await admin.reload();
  await row.getByRole("button", { name: `Sessions of ${member.email}` }).click();
  await expect(sessions.getByTestId("session-row")).toHaveCount(1);
  await expect(sessions.getByTestId("session-row")).toContainText("Safari on macOS");
  await expect(admin.getByLabel("Password reset link")).toHaveCount(0); // shown once, never again

  // The link is spent.
  await c.goto(link);
  await expect(c.getByRole("heading", { name: "This reset link has already been used" })).toBeVisible();

  // The old password no longer signs in; the new one does.
  const dContext = await browser.newContext({ baseURL });
  const d = await dContext.newPage();
  await d.goto("/login");
  await d.getByLabel("Email", { exact: true }).fill(member.email);
  await d.getByLabel("Password", { exact: true }).fill(member.password);
  await d.getByRole("button", { name: "Sign in" }).click();
  await expect(d.getByText("That email and password don't match an active account.")).toBeVisible();
  await expect(d).toHaveURL(/\/login/);
  await signIn(d, member.email, newPassword);

  await Promise.all([member.context.close(), adminContext.close(), cContext.close(), dContext.close()]);
});

test("on /account, signing out another session ends it: that browser's next request lands on the login page", async ({ browser, baseURL }) => {
  // Y: the member signed in by the claim; X: the same member, signed in with the password.
  const member = await makeMember(browser, baseURL!, FIREFOX_LINUX);
  const y = member.page;
  const xContext = await browser.newContext({ baseURL });
  const x = await xContext.newPage();
  await signIn(x, member.email, member.password);

  await x.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
  await x.waitForURL("**/account");
  const table = x.getByRole("table", { name: "Your sessions" });
  const rows = table.getByTestId("session-row");
  await expect(rows).toHaveCount(2);
  const mine = rows.filter({ hasText: "this browser" });
  await expect(mine).toHaveCount(1);
  await expect(mine.getByRole("button", { name: /^Sign out/ })).toHaveCount(0); // the header's Sign out is for this one
  const other = rows.filter({ hasNotText: "this browser" });
  await expect(other).toContainText("Firefox on Linux");

  await other.getByRole("button", { name: "Sign out Firefox on Linux at 127.0.0.1" }).click();
  await expect(x.getByRole("status").filter({ hasText: "Signed out" })).toHaveText("Signed out Firefox on Linux (127.0.0.1).");
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText("this browser");
  await expect(x.getByRole("button", { name: "Sign out everywhere else" })).toBeDisabled();

  // Y's next request is signed out; X is still in.
  await y.reload();
  await y.waitForURL("**/login?next=/dashboard");
  expect((await y.request.get("/api/me")).status()).toBe(401);
  await x.reload();
  await expect(x.getByTestId("account-whoami")).toContainText(member.email);
  await expect(rows).toHaveCount(1);

  await Promise.all([member.context.close(), xContext.close()]);
});

// Its own server: the main one allows 900 s between password proofs, far longer than a test.
test.describe("re-authentication for an old session (REAUTH_MAX_AGE_SECONDS=3)", () => {
  const admin = { email: "admin@reauth.test", password: "Juniper-Falcon-Harbor-4417" };
  let server: AppServer;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    // PGlite in a fresh directory: this runs without Postgres.
    server = await startServer({
      port: 3261,
      dataDir: ".data/e2e-reauth",
      env: { REAUTH_MAX_AGE_SECONDS: "3", ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password },
    });
  });

  test.afterAll(async () => {
    await server?.stop();
  });

  test("disabling a member asks for the password, then goes ahead without a second click; Cancel changes nothing", async ({ browser }) => {
    // A member, claimed through the API; its session cookie shows whether the account was disabled.
    const cookie = await apiLogin(server.url, admin.email, admin.password);
    const email = `stale-${Date.now()}@example.com`;
    const inv = await apiInvite(server.url, cookie, email);
    const memberCookie = await apiClaim(server, inv.url, `Walnut-Comet-${Date.now()}-Ferry`);
    const memberSignedIn = async () => (await fetch(`${server.url}/api/me`, { headers: { cookie: memberCookie } })).status;
    expect(await memberSignedIn()).toBe(200);

    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const patches: number[] = [];
    page.on("response", (res) => {
      if (res.request().method() === "PATCH" && new URL(res.url()).pathname.startsWith("/api/users/")) patches.push(res.status());
    });
    await signIn(page, admin.email, admin.password);
    await page.goto(`/dashboard/users?q=${encodeURIComponent(email)}`);
    const row = page.getByTestId("user-row").filter({ hasText: email });
    await expect(row.locator(".status")).toHaveText("active");
    const status = page.getByTestId("users-status");
    const reauth = page.getByTestId("reauth-dialog");
    const disable = row.getByRole("button", { name: `Disable ${email}` });
    const confirmDisable = async () => {
      await disable.click();
      await page.getByRole("dialog", { name: "Disable this account?" }).getByRole("button", { name: "Disable account" }).click();
    };

    // More than 3 s after signing in, the session is no longer fresh.
    await expect
      .poll(async () => ((await (await page.request.get("/api/me")).json()) as { session?: { fresh?: boolean } }).session?.fresh, { timeout: 15_000, intervals: [500] })
      .toBe(false);

    // Cancel: the action reports why it did not happen, and nothing changed.
    await confirmDisable();
    await expect(reauth).toBeVisible();
    await expect(reauth.getByRole("heading", { name: "Confirm your password" })).toBeVisible();
    await expect(reauth).toContainText(admin.email);
    await expect(reauth.getByLabel("Password", { exact: true })).toBeFocused();
    await reauth.getByRole("button", { name: "Cancel" }).click();
    await expect(reauth).toBeHidden();
    await expect(status).toContainText(`Could not disable ${email}: Confirm your password to continue`);
    await expect(status.locator(".alert")).toHaveClass(/error/);
    await expect(row.locator(".status")).toHaveText("active");
    expect(await memberSignedIn()).toBe(200);
    await expect.poll(() => patches).toEqual([403]);

    // Again: a wrong password is refused next to the field; the right one lets the disable through.
    await confirmDisable();
    await expect(reauth).toBeVisible();
    const field = reauth.getByLabel("Password", { exact: true });
    await field.fill("not-the-password-at-all");
    await reauth.getByRole("button", { name: "Confirm and continue" }).click();
    await expect(reauth.getByRole("alert")).toHaveText("That password is not right. Try again.");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(field).toHaveValue("");
    // Focus is back on the field, ready for another try.
    await expect(field).toBeFocused();
    await expect(reauth).toBeVisible();
    await expect(row.locator(".status")).toHaveText("active");
    await expect.poll(() => patches).toEqual([403, 403]);

    await field.fill(admin.password);
    await reauth.getByRole("button", { name: "Confirm and continue" }).click();
    await expect(reauth).toBeHidden();
    await expect(status).toContainText(`${email} is disabled.`);
    await expect(row.locator(".status").last()).toHaveText("disabled");
    await expect.poll(() => patches).toEqual([403, 403, 200]); // retried once by the page, not clicked again
    expect(await memberSignedIn()).toBe(401); // disabling ended the member's session

    await context.close();
  });
});

/** Claims an invitation through the API as the onboarding page does; returns the new session's Cookie header. */
async function apiClaim(server: AppServer, inviteUrl: string, password: string): Promise<string> {
  const token = new URL(inviteUrl).searchParams.get("token")!;
  const issued = await fetch(`${server.url}/api/onboarding/get_token?token=${token}`);
  expect(issued.status).toBe(200);
  const jwt = ((await issued.json()) as { onboarding_token: string }).onboarding_token;
  const claimed = await fetch(`${server.url}/api/onboarding/claim_token`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.url, authorization: `Bearer ${jwt}` },
    body: JSON.stringify({ token, password }),
  });
  expect(claimed.status).toBe(200);
  const session = claimed.headers.getSetCookie().find((c) => c.startsWith("session="));
  expect(session).toBeTruthy();
  return session!.split(";")[0];
}
