import { expect, test } from "@playwright/test";
import { E2E_ADMIN } from "../playwright.config";
import { apiInvite, apiLogin } from "./support/server";

// The zxcvbn dictionaries are large; the onboarding page must not pay for them before anyone types.
test("the password strength estimator loads only once the invitee types", async ({ page, baseURL }) => {
  const cookie = await apiLogin(baseURL!, E2E_ADMIN.email, E2E_ADMIN.password);
  const inv = await apiInvite(baseURL!, cookie, `lazy-${Date.now()}@example.com`);
  let scriptBytes = 0;
  page.on("response", async (res) => {
    if (res.request().resourceType() === "script") scriptBytes += (await res.body().catch(() => Buffer.alloc(0))).length;
  });
  await page.goto(inv.url);
  await page.waitForLoadState("networkidle");
  const initial = scriptBytes;

  await page.getByLabel("New password").fill("correct horse battery staple");
  await expect(page.getByTestId("strength")).toBeVisible();
  await page.waitForLoadState("networkidle");
  const loadedLater = scriptBytes - initial;
  console.log(`scripts: ${initial} bytes on first load, ${loadedLater} bytes loaded when typing`);
  expect(loadedLater).toBeGreaterThan(initial);
});
