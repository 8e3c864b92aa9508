import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin } from "./support/server";

test("the onboarding page says when the browser is signed in as someone else", async ({ page, context, baseURL }) => {
  const cookie = await apiLogin(baseURL!, E2E_ADMIN.email, E2E_ADMIN.password);
  const inv = await apiInvite(baseURL!, cookie, `carol-${Date.now()}@example.com`);
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: baseURL! }]);
  await page.goto(inv.url);
  await expect(page.getByRole("note")).toContainText(`You are signed in as ${E2E_ADMIN.email}`);
});
