import { expect, test, type Page } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin } from "./support/server";

// Keyboard alone (issue 11): the invitee's journey and the admin's invite → copy link → revoke, with
// nothing but key presses after each page load. Every stop shows a visible focus ring, and dialogs keep
// focus inside while open and give it back when closed.

// Sign-ins are rate limited per (IP, address) and the whole suite signs this admin in from 127.0.0.1:
// this file signs in once, by keyboard, and the invitee's test reuses that session to invite.
let adminCookie: string | null = null;

/** What has focus: its accessible label (aria-label, its <label>, or its text) and whether a focus ring shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: "", ring: false, tag: "" };
    const byLabel = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : null;
    const name = (el.getAttribute("aria-label") ?? byLabel ?? el.textContent ?? "").trim();
    const style = getComputedStyle(el);
    const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
    return { name, ring, tag: el.tagName.toLowerCase() };
  });
}

/** Presses Tab until the element named `name` has focus (at most `max` presses); each stop must show a ring. */
async function tabTo(page: Page, name: string | RegExp, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (f.tag && f.tag !== "body") expect(f.ring, `a visible focus ring on "${f.name}"`).toBe(true);
    if (typeof name === "string" ? f.name === name : name.test(f.name)) return;
  }
  throw new Error(`Tab never reached "${name}"`);
}

test("an admin signs in, invites, copies the link and revokes it by keyboard alone", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await page.goto("/login");
  await tabTo(page, "Email");
  await page.keyboard.type(E2E_ADMIN.email);
  await tabTo(page, "Password");
  await page.keyboard.type(E2E_ADMIN.password);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("whoami")).toContainText(E2E_ADMIN.email);
  const session = (await context.cookies()).find((c) => c.name.endsWith("session"));
  if (session) adminCookie = `${session.name}=${session.value}`;

  await tabTo(page, "Invitations");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/dashboard\/invitations$/);
  await expect(page.getByRole("heading", { name: "Invite a teammate" })).toBeVisible();

  const email = `keys-admin-${Date.now()}@example.com`;
  await tabTo(page, "Email");
  await page.keyboard.type(email);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("fresh-link")).toContainText(email);

  await tabTo(page, "Copy link");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("fresh-link").getByRole("button", { name: "Copied" })).toBeVisible();
  const link = await page.getByLabel("Invitation link").inputValue();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  // Revoke: the dialog takes focus, keeps it inside (Tab cycles within), Escape returns it to the button.
  const revokeName = `Revoke invitation for ${email}`;
  await tabTo(page, revokeName, 200);
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement)), "focus stays in the dialog").toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect((await focused(page)).name).toBe(revokeName);

  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await tabTo(page, /^Revoke/, 6);
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  const row = page.getByTestId("invitation-row").filter({ hasText: email });
  await expect(row.locator(".status")).toHaveText("revoked");
  await expect(page.getByTestId("invitations-status")).toContainText(email);
  await context.close();
});

test("an invitee sets a password and lands on the dashboard by keyboard alone", async ({ page, baseURL }) => {
  const cookie = adminCookie ?? (await apiLogin(baseURL!, E2E_ADMIN.email, E2E_ADMIN.password));
  const email = `keys-${Date.now()}@example.com`;
  const inv = await apiInvite(baseURL!, cookie, email, "member");
  await page.goto(inv.url);
  await expect(page.getByRole("heading", { name: "Set up your account" })).toBeVisible();

  const password = `Ferry-Lattice-${Date.now()}-Cobalt`;
  // A mismatch first: submitting with Enter puts focus on the field in error, its message tied to it.
  await tabTo(page, "New password");
  await page.keyboard.type(password);
  await tabTo(page, "Confirm password");
  await page.keyboard.type(`${password}x`);
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Confirm password")).toBeFocused();
  await expect(page.getByLabel("Confirm password")).toHaveAccessibleDescription("The passwords don't match.");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/dashboard$/, { timeout: 60_000 });
  await expect(page.getByTestId("whoami")).toContainText(email);
});
