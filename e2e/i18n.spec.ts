import fs from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import type { Messages } from "../messages";
import { apiLogin, startServer, type AppServer } from "./support/server";

// Two languages without locale prefixes (issue 11): the reader's language comes from the switcher's
// cookie, else (on an invitation's page) the language the inviting admin chose, else Accept-Language.
// Its own production server (port 3465, a fresh PGlite database in .data/e2e-i18n, rate limits off).

const PORT = 3465;
const ADMIN = { email: "admin@i18n.test", password: "Lantern-Basalt-Orchard-5123" };
// The messages as the app has them (read from disk: Playwright's loader imports no JSON modules).
function messages(locale: "en" | "de"): Messages {
  const dir = path.join("messages", locale);
  const areas = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
  return Object.fromEntries(areas.map((f) => [f.replace(/\.json$/, ""), JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"))])) as Messages;
}
const de = messages("de");
const en = messages("en");

let server: AppServer;
let adminCookie: string;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  server = await startServer({
    port: PORT,
    dataDir: ".data/e2e-i18n",
    env: { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, RATE_LIMITS: "off" },
  });
  adminCookie = await apiLogin(server.url, ADMIN.email, ADMIN.password);
});

test.afterAll(async () => {
  await server?.stop();
});

async function invite(email: string, locale?: "en" | "de") {
  const res = await fetch(`${server.url}/api/invitations`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: server.url, cookie: adminCookie },
    body: JSON.stringify({ email, role: "member", ...(locale ? { locale } : {}) }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).invitation as { url: string; locale: string };
}

test("a German browser gets German pages, from Accept-Language", async ({ browser }) => {
  const context = await browser.newContext({ locale: "de-DE" });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByRole("heading", { name: de.auth.login.heading })).toBeVisible();
  await expect(page.getByRole("button", { name: "Deutsch" })).toHaveAttribute("aria-pressed", "true");
  await page.goto(`${server.url}/no-such-page`);
  await expect(page.getByRole("heading", { name: de.common.notFound.heading })).toBeVisible();
  await context.close();
});

test("the switcher changes the language in place, keeps what the form holds, and is remembered", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(`${server.url}/login`);
  await expect(page.getByRole("heading", { name: en.auth.login.heading })).toBeVisible();
  await page.getByLabel(en.auth.login.email, { exact: true }).fill("someone@i18n.test");
  await page.getByRole("button", { name: "Deutsch" }).click();
  await expect(page.getByRole("heading", { name: de.auth.login.heading })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await expect(page.getByLabel(de.auth.login.email, { exact: true })).toHaveValue("someone@i18n.test");
  expect((await context.cookies()).find((c) => c.name === "locale")?.value).toBe("de");
  // The URL has no language in it; a reload (and any other page) stays German.
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.reload();
  await expect(page.getByRole("heading", { name: de.auth.login.heading })).toBeVisible();
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: en.auth.login.heading })).toBeVisible();
  await context.close();
});

test("an invitation's page speaks the language its admin chose, unless the reader chose one", async ({ browser }) => {
  const invitation = await invite(`german-${Date.now()}@i18n.test`, "de");
  expect(invitation.locale).toBe("de");
  // The link keeps its form: no language in it.
  expect(new URL(invitation.url).pathname).toBe("/onboarding");

  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await page.goto(invitation.url);
  await expect(page.getByRole("heading", { name: de.onboarding.heading.invite })).toBeVisible();
  await expect(page.locator(`section[lang="de"]`)).toBeVisible();
  // The form checks the policy in German before it sends anything.
  await page.getByLabel(de.onboarding.form.newPassword, { exact: true }).fill("short");
  await page.getByLabel(de.onboarding.form.confirmPassword, { exact: true }).fill("short");
  await page.getByRole("button", { name: de.onboarding.form.submitInvite }).click();
  await expect(page.getByText(/Verwenden Sie mindestens 12 Zeichen/)).toBeVisible();
  await context.close();

  // A reader who picked English gets English on the same link.
  const english = await browser.newContext({ locale: "de-DE" });
  await english.addCookies([{ name: "locale", value: "en", url: server.url }]);
  const page2 = await english.newPage();
  await page2.goto(invitation.url);
  await expect(page2.getByRole("heading", { name: en.onboarding.heading.invite })).toBeVisible();
  await english.close();
});

test("an admin's invitation defaults to the admin's language; the console is German for a German admin", async ({ browser }) => {
  const context = await browser.newContext({ locale: "de-DE" });
  const [name, value] = adminCookie.split("=");
  await context.addCookies([{ name, value, url: server.url }]);
  const page = await context.newPage();
  await page.goto(`${server.url}/dashboard/invitations`);
  await expect(page.getByRole("link", { name: de.common.nav.invitations })).toHaveAttribute("aria-current", "page");
  const form = page.getByRole("region", { name: de.admin.invitations.inviteTitle });
  await expect(form.getByLabel(de.admin.invite.language, { exact: true })).toHaveValue("de");
  const email = `from-ui-${Date.now()}@i18n.test`;
  await form.getByLabel(de.admin.invite.email, { exact: true }).fill(email);
  await form.getByRole("button", { name: de.admin.invite.submit, exact: true }).click();
  await expect(page.getByRole("button", { name: de.admin.copy.copyLink })).toBeVisible();
  const list = await fetch(`${server.url}/api/invitations?q=${encodeURIComponent(email)}`, { headers: { cookie: adminCookie } });
  const rows = (await list.json()).invitations as { email: string; locale: string }[];
  expect(rows.find((r) => r.email === email)?.locale).toBe("de");
  await context.close();
});

test("API errors keep their code and speak the request's language, before and inside Next", async () => {
  const unknown = await fetch(`${server.url}/api/nothing-here`, { headers: { "accept-language": "de" } });
  expect(unknown.status).toBe(404);
  expect(await unknown.json()).toEqual({ error: { code: "not_found", message: de.errors.not_found } });

  const unauthorized = await fetch(`${server.url}/api/me`, { headers: { "accept-language": "de-CH, en;q=0.5" } });
  expect(unauthorized.status).toBe(401);
  expect(await unauthorized.json()).toEqual({ error: { code: "unauthorized", message: de.errors.unauthorized } });

  const chosen = await fetch(`${server.url}/api/me`, { headers: { "accept-language": "de", cookie: "locale=en" } });
  expect((await chosen.json()).error.message).toBe(en.errors.unauthorized);
});
