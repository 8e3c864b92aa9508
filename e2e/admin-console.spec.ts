import fs from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin } from "./support/server";

// The admin console in a real browser: the link shown once, confirmations, URL filters, 404 for
// members, phone widths, bulk invites. Every page is also checked for CSP violations.

function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

// Sign-ins are rate limited per (IP, address): the whole suite shares 127.0.0.1, so this file signs the
// admin in once and hands the session cookie to each browser context.
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

/** A member with a password: invited through the API, claimed in its own browser context. */
async function makeMember(browser: Browser, baseURL: string) {
  const cookie = await adminSession(baseURL);
  const email = `member-${Date.now()}@example.com`;
  const inv = await apiInvite(baseURL, cookie, email, "member");
  const password = `Quartz-Lantern-${Date.now()}-Meadow`;
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(inv.url);
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
  await context.close();
  return { email, password };
}

test("invite → the link is shown once → revoke after confirming → the invitee's page says revoked", async ({ page, baseURL }) => {
  const violations = watchCsp(page);
  await asAdmin(page, baseURL!);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Invitations" }).click();
  await page.waitForURL("**/dashboard/invitations");

  const email = `dora-${Date.now()}@example.com`;
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Role", { exact: true }).selectOption("admin");
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const fresh = page.getByTestId("fresh-link");
  await expect(fresh).toContainText(email);
  await expect(fresh).toContainText("It will not be shown again.");
  const link = await page.getByLabel("Invitation link").inputValue();
  expect(link).toMatch(/\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
  await expect(page.getByLabel("Role", { exact: true })).toHaveValue("member"); // reset after each invite
  await expect(page.getByLabel("Invitation link")).toHaveCount(1);

  const row = page.getByTestId("invitation-row").filter({ hasText: email });
  await expect(row.locator(".status")).toHaveText("pending");
  await expect(row.locator("time[datetime][title]").first()).toBeVisible();
  await expect(row).toContainText(E2E_ADMIN.email); // the inviter

  // Cancel first: nothing changes, and focus goes back to the button.
  const revoke = row.getByRole("button", { name: `Revoke invitation for ${email}` });
  await revoke.click();
  const dialog = page.getByRole("dialog", { name: "Revoke this invitation?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(revoke).toBeFocused();
  await expect(row.locator(".status")).toHaveText("pending");

  await revoke.click();
  await dialog.getByRole("button", { name: "Revoke invitation" }).click();
  await expect(page.getByTestId("invitations-status")).toContainText(`Revoked the invitation for ${email}.`);
  await expect(page.getByTestId("invitations-status")).toHaveAttribute("role", "status");
  await expect(row.locator(".status")).toHaveText("revoked");
  await expect(page.getByLabel("Invitation link")).toHaveCount(0); // the link goes with the invitation

  const invitee = await page.context().browser()!.newContext({ baseURL: new URL(page.url()).origin });
  const other = await invitee.newPage();
  await other.goto(link);
  await expect(other.getByRole("heading", { name: "This invitation was revoked" })).toBeVisible();
  await invitee.close();

  // Reloading never shows a link again.
  await page.reload();
  await expect(page.getByTestId("invitation-row").filter({ hasText: email })).toBeVisible();
  await expect(page.getByLabel("Invitation link")).toHaveCount(0);
  expect(violations).toEqual([]);
});

test("filters live in the URL: a shared link shows the same view, and Back works", async ({ page, baseURL }) => {
  const violations = watchCsp(page);
  const cookie = await adminSession(baseURL!);
  const gone = `gone-${Date.now()}@example.com`;
  const inv = await apiInvite(baseURL!, cookie, gone);
  const revoked = await fetch(`${baseURL}/api/invitations/${inv.id}/revoke`, { method: "POST", headers: { origin: baseURL!, cookie, "content-type": "application/json" }, body: "{}" });
  expect(revoked.ok).toBe(true);
  const live = `live-${Date.now()}@example.com`;
  await apiInvite(baseURL!, cookie, live);

  await asAdmin(page, baseURL!);
  await page.goto("/dashboard/invitations?status=revoked");
  const rows = page.getByTestId("invitation-row");
  await expect(rows.filter({ hasText: gone })).toBeVisible();
  await expect(rows.filter({ hasText: live })).toHaveCount(0);
  await expect(page.getByLabel("Status")).toHaveValue("revoked");

  await page.getByLabel("Status").selectOption("pending");
  await page.waitForURL(/status=pending/);
  await expect(rows.filter({ hasText: live })).toBeVisible();
  await expect(rows.filter({ hasText: gone })).toHaveCount(0);

  await page.getByLabel("Search by email").fill(live);
  await page.getByRole("button", { name: "Search" }).click();
  await page.waitForURL(/q=live-/);
  await expect(rows).toHaveCount(1);

  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get("status") === "pending" && !u.searchParams.has("q"));
  await expect(page.getByLabel("Search by email")).toHaveValue("");
  await page.goBack();
  await page.waitForURL((u) => u.searchParams.get("status") === "revoked");
  await expect(rows.filter({ hasText: gone })).toBeVisible();
  await expect(rows.filter({ hasText: live })).toHaveCount(0);
  await expect(page.getByLabel("Status")).toHaveValue("revoked");

  // Users: the same, with role and state.
  await page.goto(`/dashboard/users?status=pending&q=${encodeURIComponent(live)}`);
  await expect(page.getByTestId("user-row")).toHaveCount(1);
  await expect(page.getByTestId("user-row")).toContainText(live);
  await expect(page.getByTestId("user-row").locator(".status")).toHaveText("invited");
  expect(violations).toEqual([]);
});

test("a member sees Overview and Account only; admin pages answer 404 with no data", async ({ browser, baseURL }) => {
  const member = await makeMember(browser, baseURL!);
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const violations = watchCsp(page);
  const apiCalls: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/")) apiCalls.push(new URL(r.url()).pathname);
  });
  await signIn(page, member.email, member.password);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText(["Overview", "Account"]);
  await expect(page.getByRole("list", { name: "Admins" })).toContainText(E2E_ADMIN.email);

  for (const path of ["/dashboard/users", "/dashboard/invitations", "/dashboard/audit"]) {
    const res = await page.goto(path);
    expect(res!.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
    await expect(page.getByRole("table")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Go to the start page" })).toBeVisible();
  }
  expect(apiCalls.filter((p) => /^\/api\/(users|invitations|audit)/.test(p))).toEqual([]);

  await nav.getByRole("link", { name: "Account" }).click();
  await page.waitForURL("**/account");
  await expect(page.getByRole("table", { name: "Your sessions" })).toBeVisible();
  expect(violations).toEqual([]);
  await context.close();
});

test("at 390 × 844 the pages do not scroll sideways", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const violations = watchCsp(page);
  const cookie = await adminSession(baseURL!);
  await apiInvite(baseURL!, cookie, `a-very-long-address-for-a-narrow-screen-${Date.now()}@subdomain.example.com`);
  await asAdmin(page, baseURL!);
  for (const path of ["/dashboard", "/dashboard/invitations", "/dashboard/users", "/dashboard/audit", "/account"]) {
    await page.goto(path);
    await expect(page.locator("main h1").first()).toBeVisible();
    await expect(page.getByText("Loading…")).toHaveCount(0);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, path).toBeLessThanOrEqual(390);
  }
  // Form controls keep readable labels.
  await page.goto("/dashboard/invitations");
  await expect(page.getByLabel("Email", { exact: true })).toBeVisible();
  await expect(page.getByLabel("Status")).toBeVisible();
  expect(violations).toEqual([]);
  await context.close();
});

test("bulk invite: a pasted list → a results table with links → one CSV of the new links", async ({ page, baseURL }) => {
  const violations = watchCsp(page);
  await asAdmin(page, baseURL!);
  await page.goto("/dashboard/invitations");
  const stamp = Date.now();
  const a = `bulk-a-${stamp}@example.com`;
  const b = `bulk-b-${stamp}@example.com`;
  await page.getByLabel("Email addresses").fill(`${a}\nBee Person <${b}>; ${a}, ${E2E_ADMIN.email}, not-an-address`);
  await expect(page.getByText("5 addresses found.")).toBeVisible();
  await page.getByRole("button", { name: "Invite all" }).click();

  const table = page.getByRole("table", { name: "Bulk invitation results" });
  await expect(table).toBeVisible();
  await expect(table.getByRole("row")).toHaveCount(6);
  await expect(table.getByRole("row", { name: new RegExp(b) })).toContainText("Invited");
  await expect(table.getByRole("row", { name: new RegExp(E2E_ADMIN.email) })).toContainText("Already has an account");
  await expect(table.getByRole("row", { name: /not-an-address/ })).toContainText("Not a usable address");
  const links = table.getByTestId("bulk-link");
  await expect(links).toHaveCount(2);
  for (const l of await links.allTextContents()) expect(l).toMatch(/\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
  await expect(page.getByLabel("Role for all")).toHaveValue("member");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: /Download 2 links/ }).click()]);
  const csv = fs.readFileSync((await download.path())!, "utf8");
  const lines = csv.trim().split("\r\n");
  expect(lines[0]).toBe('"email","link"');
  expect(lines).toHaveLength(3);
  expect(csv).toContain(`"${a}","http`);
  expect(csv).toContain(`"${b}","http`);

  // The new invitations are in the list (without their links).
  await expect(page.getByTestId("invitation-row").filter({ hasText: b })).toBeVisible();
  expect(violations).toEqual([]);
});

test("users: role change and disabling ask first; a disabled user's role is not offered; only invited users can be deleted", async ({ page, browser, baseURL }) => {
  const violations = watchCsp(page);
  const member = await makeMember(browser, baseURL!);
  const invited = `never-${Date.now()}@example.com`;
  await apiInvite(baseURL!, await adminSession(baseURL!), invited);
  await asAdmin(page, baseURL!);
  const status = page.getByTestId("users-status");

  await page.goto(`/dashboard/users?q=${encodeURIComponent(member.email)}`);
  const row = page.getByTestId("user-row").filter({ hasText: member.email });
  await expect(row.locator(".status")).toHaveText("active");
  await expect(row.getByRole("button", { name: `Delete ${member.email}` })).toHaveCount(0);

  await row.getByLabel(`Role of ${member.email}`).selectOption("admin");
  const promote = page.getByRole("dialog", { name: "Make this user an admin?" });
  await promote.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByLabel(`Role of ${member.email}`)).toHaveValue("member");
  await row.getByLabel(`Role of ${member.email}`).selectOption("admin");
  await promote.getByRole("button", { name: "Make admin" }).click();
  await expect(status).toContainText(`${member.email} is now an admin.`);
  await expect(row.getByLabel(`Role of ${member.email}`)).toHaveValue("admin");

  await row.getByRole("button", { name: `Disable ${member.email}` }).click();
  await page.getByRole("dialog", { name: "Disable this account?" }).getByRole("button", { name: "Disable account" }).click();
  await expect(status).toContainText(`${member.email} is disabled.`);
  await expect(row.locator(".status").last()).toHaveText("disabled");
  await expect(row.getByLabel(`Role of ${member.email}`)).toHaveCount(0);
  await row.getByRole("button", { name: `Enable ${member.email}` }).click();
  await expect(status).toContainText(`${member.email} is enabled again.`);

  await page.goto(`/dashboard/users?status=pending&q=${encodeURIComponent(invited)}`);
  const pending = page.getByTestId("user-row").filter({ hasText: invited });
  await pending.getByRole("button", { name: `Delete ${invited}` }).click();
  await page.getByRole("dialog", { name: "Delete this invited user?" }).getByRole("button", { name: "Delete user" }).click();
  await expect(status).toContainText(`Deleted ${invited}.`);
  await expect(page.getByTestId("user-row")).toHaveCount(0);
  await expect(page.getByText("No users match these filters.")).toBeVisible();

  // The Overview counts and the audit log read as sentences.
  await page.goto("/dashboard/audit");
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText(`${E2E_ADMIN.email} deleted ${invited}`);
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText(`${E2E_ADMIN.email} changed ${member.email}'s role from member to admin`);
  expect(violations).toEqual([]);
});
