import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { runJourney } from "./support/journey";

test.describe("invite → onboard → claim", () => {
  test("an invitee claims the link in a fresh browser and lands on the dashboard", async ({ browser, baseURL }) => {
    const { invitee, link } = await runJourney(browser, baseURL!, E2E_ADMIN);

    // The session cookie is HttpOnly: page scripts cannot read it, the browser still sends it.
    const context = await browser.newContext({ baseURL });
    const page = await context.newPage();
    await page.goto("/login");
    await page.getByLabel("Email", { exact: true }).fill(invitee.email);
    await page.getByLabel("Password", { exact: true }).fill(invitee.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("whoami")).toContainText(invitee.email);
    expect(await page.evaluate(() => document.cookie)).not.toContain("session");
    const cookie = (await context.cookies()).find((c) => c.name === "session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Lax");
    expect((await page.request.get("/api/me")).status()).toBe(200);

    // The claim's session is still live; signing out everywhere else ends it.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Account" }).click();
    await page.waitForURL("**/account");
    const mine = page.getByRole("table", { name: "Your sessions" });
    await expect(mine.getByRole("row")).toHaveCount(3); // header + claim session + this one
    await page.getByRole("button", { name: "Sign out everywhere else" }).click();
    await expect(page.getByText("Signed out 1 other session.")).toBeVisible();
    await expect(mine.getByRole("row")).toHaveCount(2);

    // Logout revokes the session server-side.
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.waitForURL("**/login");
    await context.addCookies([{ ...cookie }]);
    expect((await page.request.get("/api/me")).status()).toBe(401);
    await context.close();
    expect(link).toContain("/onboarding?token=");
  });

  test("the onboarding page sends no-referrer and no-store, a nonce CSP, and hits no CSP violation", async ({ page, request }) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    const res = await page.goto("/onboarding?token=" + "x".repeat(43));
    const headers = res!.headers();
    expect(headers["referrer-policy"]).toBe("no-referrer");
    expect(headers["cache-control"]).toContain("no-store");
    expect(headers["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(headers["content-security-policy"]).not.toContain("unsafe-eval");
    expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    await expect(page.getByRole("heading", { name: "This invitation link is not valid" })).toBeVisible();

    const login = await page.goto("/login");
    expect(login!.headers()["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    await page.getByLabel("Email", { exact: true }).fill("nobody@example.com");
    await page.getByLabel("Password", { exact: true }).fill("wrong-password-123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByText("That email and password don't match an active account.")).toBeVisible();
    expect(violations).toEqual([]);

    const api = await request.get("/api/me");
    expect(api.headers()["cache-control"]).toBe("no-store");
    expect(api.headers()["x-content-type-options"]).toBe("nosniff");
    expect(api.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
    const missing = await page.goto("/no-such-page");
    expect(missing!.status()).toBe(404);
    expect(missing!.headers()["content-security-policy"]).toMatch(/'nonce-/);
    expect(missing!.headers()["x-content-type-options"]).toBe("nosniff");
  });

  test("signed-out visits to the dashboard go to the login page; next must be a relative path", async ({ page, baseURL }) => {
    await page.goto("/dashboard");
    await page.waitForURL("**/login?next=/dashboard");
    await page.goto("/login?next=https://evil.example/x");
    await page.getByLabel("Email", { exact: true }).fill(E2E_ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/dashboard$/, { timeout: 60_000 }); // a soft navigation (router.replace): poll the URL, never wait for a load event
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  });

  test("opening a link while signed in as someone else says so; revoked and re-issued links behave", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto("/login");
    await page.getByLabel("Email", { exact: true }).fill(E2E_ADMIN.email);
    await page.getByLabel("Password", { exact: true }).fill(E2E_ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("whoami")).toBeVisible();

    const email = `bob-${Date.now()}@example.com`;
    await page.goto("/dashboard/invitations");
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    const first = await page.getByLabel("Invitation link").inputValue();

    const invitations = page.getByRole("table", { name: "Invitations" });
    const row = invitations.getByRole("row", { name: new RegExp(email) });
    await expect(row.getByText("pending")).toBeVisible();
    await row.getByRole("button", { name: "Re-issue" }).click();
    await page.getByRole("dialog", { name: "Re-issue the link?" }).getByRole("button", { name: "Re-issue link" }).click();
    // The new link replaces the old one in the one place links are shown.
    await expect(page.getByLabel("Invitation link")).toHaveCount(1);
    await expect(page.getByLabel("Invitation link")).not.toHaveValue(first);

    await page.goto(first);
    await expect(page.getByRole("heading", { name: "This invitation was revoked" })).toBeVisible();

    await page.goto("/dashboard/invitations");
    await expect(page.getByRole("table", { name: "Invitations" })).toBeVisible();
    expect(await page.getByLabel("Invitation link").count()).toBe(0); // links are shown once, never again
    // One row per address (the latest invitation); the older one is in its history.
    const mine = page.getByRole("table", { name: "Invitations" }).getByTestId("invitation-row").filter({ hasText: email });
    await expect(mine).toHaveCount(1);
    await mine.getByRole("button", { name: `History of ${email}` }).click();
    await expect(page.getByTestId("history-row").filter({ hasText: email }).filter({ hasText: "revoked" })).toHaveCount(1);
    await mine.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog", { name: "Revoke this invitation?" }).getByRole("button", { name: "Revoke invitation" }).click();
    await expect(page.getByTestId("invitations-status")).toContainText(`Revoked the invitation for ${email}.`);
    await expect(mine.locator(".status")).toHaveText("revoked");
    // The audit trail shows what happened, and by whom, as a sentence.
    await page.goto("/dashboard/audit");
    const activity = page.getByRole("table", { name: "Audit log" });
    await expect(activity.getByText(`${E2E_ADMIN.email} revoked the invitation for ${email}`).first()).toBeVisible();
    await expect(activity).not.toContainText("invitation.revoked");
    expect(violations).toEqual([]);
  });
});
