import { expect, type Browser, type Page } from "@playwright/test";

export type JourneyResult = {
  invitee: { email: string; password: string };
  link: string;
  secrets: string[];
};

async function signIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("whoami")).toContainText(email);
}

/**
 * The whole product journey in a real browser: an admin signs in and invites; in a fresh browser
 * context the invitee opens the link, sets a password and lands on the dashboard. Returns every
 * secret it used, so a caller can look for them where they must not be.
 */
export async function runJourney(browser: Browser, baseURL: string, admin: { email: string; password: string }): Promise<JourneyResult> {
  const secrets: string[] = [admin.password];
  const adminContext = await browser.newContext({ baseURL, permissions: ["clipboard-read", "clipboard-write"] });
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin.email, admin.password);

  const email = `alice-${Date.now()}@example.com`;
  await adminPage.goto("/dashboard/invitations");
  await adminPage.getByLabel("Email", { exact: true }).fill(email);
  await adminPage.getByLabel("Role", { exact: true }).selectOption("member");
  await adminPage.getByRole("button", { name: "Invite", exact: true }).click();
  const linkInput = adminPage.getByLabel("Invitation link");
  await expect(linkInput).toHaveValue(/\/onboarding\?token=[A-Za-z0-9_-]{43}$/);
  const link = await linkInput.inputValue();
  await adminPage.getByRole("button", { name: "Copy link" }).click();
  await expect(adminPage.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await adminPage.evaluate(() => navigator.clipboard.readText())).toBe(link);
  secrets.push(new URL(link).searchParams.get("token")!);
  for (const c of await adminContext.cookies()) secrets.push(c.value);

  const inviteeContext = await browser.newContext({ baseURL });
  const page = await inviteeContext.newPage();
  page.on("response", async (res) => {
    if (res.url().includes("/api/onboarding/get_token") && res.ok()) {
      secrets.push((await res.json()).onboarding_token);
    }
  });
  // Every request the onboarding page makes (scripts, styles, API calls): none may carry the link
  // secret in its Referer (the page sends Referrer-Policy: no-referrer).
  const referers: string[] = [];
  page.on("request", (req) => {
    const referer = req.headers()["referer"];
    if (referer) referers.push(referer);
  });
  await page.goto(link);
  await expect(page.getByText(`You were invited as ${email}`)).toBeVisible();
  // The secret leaves the address bar once the page has loaded.
  await expect.poll(() => page.url()).not.toContain("token=");

  const password = `Copper-Violin-${Date.now()}-Harbor`;
  secrets.push(password);
  await page.getByLabel("New password").fill(password);
  await page.getByLabel("Confirm password").fill(password);
  await page.getByRole("button", { name: "Set password and sign in" }).click();
  await page.waitForURL("**/dashboard");
  await expect(page.getByTestId("whoami")).toContainText(email);
  expect(referers.filter((r) => r.includes("token="))).toEqual([]);
  for (const c of await inviteeContext.cookies()) secrets.push(c.value);

  // Reopening the link: already used.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: "This invitation has already been used" })).toBeVisible();

  await inviteeContext.close();
  await adminContext.close();
  return { invitee: { email, password }, link, secrets };
}
