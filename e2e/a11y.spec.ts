import { randomBytes } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { startSmtpCapture, type SmtpCapture } from "../lib/testing/smtp";
import { apiInvite, apiLogin, startServer, type AppServer } from "./support/server";

// Accessibility (issue 11): every page passes an axe scan (@axe-core/playwright, all of axe's default
// rules) with zero violations, in light and in dark mode. Its own production server (port 3461, a fresh
// PGlite database in .data/a11y) with email on (an SMTP server in this process, lib/testing/smtp.ts:
// /forgot-password exists and invitations show as delivered). Seeded through the API: invitations in
// every state a link can be in (valid, used, revoked, expired, unknown), a member, and a delivered
// invitation sent again, whose history (a shaded row with a green "sent" line) the Invitations scan opens.

const PORT = 3461;
const ADMIN = { email: "admin@a11y.test", password: "Juniper-Sextant-Harbor-4417" };
const MEMBER_PASSWORD = "Marigold-Compass-Tundra-8852";
const SCHEMES = ["light", "dark"] as const;

let server: AppServer;
let smtp: SmtpCapture;
let adminCookie: string;
let memberCookie: string;
const links: Record<"valid" | "used" | "revoked" | "expired" | "unknown", string> = { valid: "", used: "", revoked: "", expired: "", unknown: "" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tokenOf = (link: string) => new URL(link).searchParams.get("token")!;

async function api(method: string, path: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      origin: server.url,
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  return res;
}

/** Claims an invitation link through the API (as the onboarding form does); returns the new session's Cookie header. */
async function claim(link: string, password: string): Promise<string> {
  const token = tokenOf(link);
  const issued = await api("GET", `/api/onboarding/get_token?token=${encodeURIComponent(token)}`);
  expect(issued.status, "get_token").toBe(200);
  const { onboarding_token } = (await issued.json()) as { onboarding_token: string };
  const claimed = await api("POST", "/api/onboarding/claim_token", { headers: { authorization: `Bearer ${onboarding_token}` }, body: { token, password } });
  expect(claimed.status, "claim_token").toBe(200);
  return claimed.headers.get("set-cookie")!.split(";")[0];
}

async function waitForSent(id: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await api("GET", "/api/invitations?q=history%40a11y.test", { cookie: adminCookie });
    const body = (await res.json()) as { invitations: { id: string; delivery: { state: string } | null }[] };
    if (body.invitations.find((i) => i.id === id)?.delivery?.state === "sent") return;
    if (Date.now() > deadline) throw new Error(`invitation ${id} not delivered: ${JSON.stringify(body)}`);
    await sleep(200);
  }
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  smtp = await startSmtpCapture();
  server = await startServer({
    port: PORT,
    dataDir: ".data/a11y",
    env: {
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      BCRYPT_COST: "4",
      RATE_LIMITS: "off",
      SMTP_URL: smtp.url,
      MAIL_POLL_MS: "200",
      MAIL_FROM: "Team dashboard <no-reply@a11y.test>",
    },
  });
  adminCookie = await apiLogin(server.url, ADMIN.email, ADMIN.password);

  // Expired: a one-second invitation, first, so it has long expired by the time it is opened.
  const expired = await api("POST", "/api/invitations", { cookie: adminCookie, body: { email: "expired@a11y.test", role: "member", expires_in_seconds: 1 } });
  expect(expired.status, "invite (expired)").toBe(201);
  links.expired = ((await expired.json()) as { invitation: { url: string } }).invitation.url;

  links.valid = (await apiInvite(server.url, adminCookie, "valid@a11y.test")).url;
  const revoked = await apiInvite(server.url, adminCookie, "revoked@a11y.test");
  const r = await api("POST", `/api/invitations/${revoked.id}/revoke`, { cookie: adminCookie, body: {} });
  expect(r.status, "revoke").toBe(200);
  links.revoked = revoked.url;

  // Used: claimed by the member, whose session the claim returns.
  links.used = (await apiInvite(server.url, adminCookie, "member@a11y.test")).url;
  memberCookie = await claim(links.used, MEMBER_PASSWORD);

  // History: an invitation delivered, then sent again (the first one becomes an earlier row).
  const first = await apiInvite(server.url, adminCookie, "history@a11y.test");
  await waitForSent(first.id);
  const again = await api("POST", `/api/invitations/${first.id}/reissue`, { cookie: adminCookie, body: {} });
  expect(again.status, "reissue").toBeLessThan(300);

  links.unknown = `${server.url}/onboarding?token=${randomBytes(32).toString("base64url")}`;
  await sleep(1_200); // the expired link's second runs out
});

test.afterAll(async () => {
  await server?.stop();
  await smtp?.close();
});

type Check = { name: string; path: string; as: "anonymous" | "admin" | "member"; ready: (page: Page) => Promise<void> };

const heading = (name: string | RegExp) => async (page: Page) => {
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
};
const linkProblem = (reason: string) => async (page: Page) => {
  await expect(page.getByTestId("link-problem")).toHaveAttribute("data-reason", reason);
};
const noLoading = async (page: Page) => {
  await expect(page.locator(".loading")).toHaveCount(0);
};

const CHECKS: Check[] = [
  { name: "sign-in", path: "/login", as: "anonymous", ready: heading("Sign in") },
  { name: "forgot password", path: "/forgot-password", as: "anonymous", ready: heading("Reset your password") },
  {
    name: "onboarding (valid link)",
    path: "valid",
    as: "anonymous",
    ready: async (page) => {
      await heading("Set up your account")(page);
      await expect(page.getByLabel("New password")).toBeVisible();
      await expect.poll(() => page.url()).not.toContain("token=");
    },
  },
  {
    name: "onboarding (valid link, form refused: weak password, no match)",
    path: "valid",
    as: "anonymous",
    ready: async (page) => {
      await heading("Set up your account")(page);
      await page.getByLabel("New password").fill("password");
      await page.getByLabel("Confirm password").fill("passwore");
      await expect(page.getByTestId("strength")).toBeVisible();
      await page.getByRole("button", { name: "Set password and sign in" }).click();
      await expect(page.locator(".field-error").first()).toBeVisible();
    },
  },
  {
    name: "sign-in (wrong password)",
    path: "/login",
    as: "anonymous",
    ready: async (page) => {
      await page.getByLabel("Email", { exact: true }).fill(ADMIN.email);
      await page.getByLabel("Password", { exact: true }).fill("not-the-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.locator(".alert.error")).toBeVisible();
    },
  },
  { name: "onboarding (used link)", path: "used", as: "anonymous", ready: linkProblem("invitation_already_used") },
  { name: "onboarding (revoked link)", path: "revoked", as: "anonymous", ready: linkProblem("invitation_revoked") },
  { name: "onboarding (expired link)", path: "expired", as: "anonymous", ready: linkProblem("invitation_expired") },
  { name: "onboarding (unknown link)", path: "unknown", as: "anonymous", ready: linkProblem("invitation_not_found") },
  { name: "404", path: "/no-such-page", as: "anonymous", ready: heading("This page does not exist") },
  { name: "dashboard (admin)", path: "/dashboard", as: "admin", ready: async (page) => void (await expect(page.getByTestId("whoami")).toContainText(ADMIN.email)) },
  {
    name: "invitations",
    path: "/dashboard/invitations",
    as: "admin",
    ready: async (page) => {
      await expect(page.getByTestId("invitation-row").first()).toBeVisible();
      await page.getByRole("button", { name: "History of history@a11y.test" }).click();
      await expect(page.getByTestId("history-row").first()).toBeVisible();
      await noLoading(page);
    },
  },
  {
    name: "users",
    path: "/dashboard/users",
    as: "admin",
    ready: async (page) => {
      await expect(page.getByTestId("user-row").first()).toBeVisible();
      await noLoading(page);
    },
  },
  {
    name: "audit log",
    path: "/dashboard/audit",
    as: "admin",
    ready: async (page) => {
      await expect(page.getByRole("table", { name: "Audit log" }).locator("tbody tr").first()).toBeVisible();
      await noLoading(page);
    },
  },
  {
    name: "account",
    path: "/account",
    as: "admin",
    ready: async (page) => {
      await expect(page.getByTestId("account-whoami")).toContainText(ADMIN.email);
      await expect(page.getByTestId("session-row").first()).toBeVisible();
      await noLoading(page);
    },
  },
  { name: "dashboard (member)", path: "/dashboard", as: "member", ready: async (page) => void (await expect(page.getByTestId("whoami")).toContainText("member@a11y.test")) },
];

type Violation = Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"][number];

/** One line per failing element: rule, impact, selector and axe's explanation (e.g. the contrast ratio found). */
function describe(violations: Violation[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact ?? "?"}): ${n.target.join(" ")} — ${(n.failureSummary ?? v.help).replace(/\s+/g, " ").trim()}`),
  );
}

async function contextFor(browser: Browser, colorScheme: "light" | "dark", as: Check["as"]) {
  const context = await browser.newContext({ baseURL: server.url, colorScheme });
  const cookie = as === "admin" ? adminCookie : as === "member" ? memberCookie : null;
  if (cookie) {
    const at = cookie.indexOf("=");
    await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url: server.url }]);
  }
  return context;
}

/** Every page, as each kind of visitor, in one colour scheme; returns the failing elements, page by page. */
async function scanAll(browser: Browser, colorScheme: (typeof SCHEMES)[number]): Promise<Record<string, string[]>> {
  const report: Record<string, string[]> = {};
  for (const as of ["anonymous", "admin", "member"] as const) {
    const context = await contextFor(browser, colorScheme, as);
    const page = await context.newPage();
    for (const check of CHECKS.filter((c) => c.as === as)) {
      const target = check.path in links ? links[check.path as keyof typeof links] : check.path;
      await page.goto(target);
      await check.ready(page);
      expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches), "the page sees the colour scheme").toBe(colorScheme === "dark");
      // Every rule runs; only the violations are collected in detail (selectors for passes are most of the cost).
      const { violations } = await new AxeBuilder({ page }).options({ resultTypes: ["violations"] }).analyze();
      const found = describe(violations);
      if (found.length) {
        report[`${check.name} (${check.path}), ${colorScheme} mode`] = found;
        console.log(`[${colorScheme}] ${check.name} (${check.path}):\n  ${found.join("\n  ")}`);
      }
    }
    await context.close();
  }
  return report;
}

// Both schemes at once (separate browser contexts, so separate renderer processes): axe's scan is the slow part.
test("every page passes axe with no violations, in light and in dark mode", async ({ browser }) => {
  test.setTimeout(180_000); // 1.5–2 min on this 2-core machine while CI runs beside it; both schemes run at once
  const reports = await Promise.all(SCHEMES.map((colorScheme) => scanAll(browser, colorScheme)));
  expect(Object.assign({}, ...reports), "axe violations by page (rule (impact): element — why)").toEqual({});
});
