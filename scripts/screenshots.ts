// npm run screenshots — the README's pictures (docs/screenshots/*.png), taken in Chromium from the
// production build with realistic data: its own server on port 3410 with a fresh PGlite database, email
// on (an SMTP capture in this process), invitations, claims and a revocation made through the HTTP API
// as a browser would make them. About 3 minutes, most of it two pauses that make the times differ.
//
//   npm run screenshots                 builds first if .next is older than the sources
//   SCREENSHOTS_BUILD=0|1               never | always build first
//   SCREENSHOTS_PORT=3410               the server's port
//   SCREENSHOTS_PAUSE_S=60              seconds between the story's phases (0: quick, everything "just now")
//   CHROMIUM_PATH=/usr/bin/chromium     the browser (playwright.config.ts)
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "@playwright/test";
import { startSmtpCapture, type SmtpCapture } from "../lib/testing/smtp";
import { chromiumLaunch } from "../playwright.config";
import { sleep, startProcess, type Proc } from "./bench-http";
import { ensureBuild, holdBuildLock } from "./production-build";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const E = process.env;
const PORT = Number(E.SCREENSHOTS_PORT ?? 3410);
const URL_ = `http://127.0.0.1:${PORT}`;
const WORK = path.join(ROOT, ".data", "screenshots");
const OUT = path.join(ROOT, "docs", "screenshots");
const ADMIN = { email: "ada@example.com", password: "Saffron-Lighthouse-Quiver-8264" };
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
// A full-page picture taller than this is cut (keeps each PNG small; the top of a list says enough).
const MAX_HEIGHT = 1400;

// The team, invited over three "minutes" (phases SCREENSHOTS_PAUSE_S apart, 60 by default, so the
// pictures read "2 minutes ago", "1 minute ago", "just now" rather than "just now" everywhere).
type Step =
  | { do: "invite"; name: string; role?: "admin" | "member"; days?: 1 | 7 | 30 }
  | { do: "bounce"; name: string } // invited while the mail server refuses everything: "Not delivered"
  | { do: "claim"; name: string }
  | { do: "revoke"; name: string }
  | { do: "mistype"; name: string } // a wrong password, then the right one
  | { do: "pause" };
const STORY: Step[] = [
  // Inviting an admin needs a recent password: the admin has just signed in.
  { do: "invite", name: "grace.hopper", role: "admin" },
  { do: "invite", name: "alan.turing" },
  { do: "invite", name: "katherine.johnson" },
  { do: "invite", name: "linus.pauling" },
  { do: "pause" },
  { do: "claim", name: "grace.hopper" },
  { do: "claim", name: "alan.turing" },
  { do: "invite", name: "margaret.hamilton" },
  { do: "invite", name: "edsger.dijkstra", days: 30 },
  { do: "pause" },
  { do: "claim", name: "katherine.johnson" },
  { do: "revoke", name: "linus.pauling" },
  { do: "invite", name: "barbara.liskov", days: 1 },
  { do: "bounce", name: "claude.shannon" },
  { do: "mistype", name: "alan.turing" },
];
const PAUSE_MS = Number(E.SCREENSHOTS_PAUSE_S ?? 60) * 1000;
/** The password an invitee sets when claiming the link. */
const passwordOf = (name: string) => `${name.replace(".", "-")}-Marble-Canyon-7419`;
// The invitee whose onboarding page is pictured (a pending invitation).
const ONBOARDING = "margaret.hamilton";
// Typed into the onboarding form (never submitted).
const TYPED = "Orchard-Velvet-Compass";

function log(line: string) {
  console.log(`[screenshots] ${line}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------------------------
// the API, as a browser would call it

async function api(method: string, pathname: string, opts: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(URL_ + pathname, {
    method,
    headers: {
      origin: URL_,
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, data: (data ?? {}) as Record<string, unknown>, text, res };
}

function expectStatus(r: { status: number; text: string }, status: number, what: string) {
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 300)}`);
}

/** Signs in (a fresh session, so admin-only actions need no re-auth for a while); returns the Cookie header. */
async function login(email: string, password: string): Promise<string> {
  const r = await api("POST", "/api/auth/login", { body: { email, password } });
  expectStatus(r, 200, `sign-in as ${email}`);
  return r.res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

type Invitation = { id: string; email: string; url: string };
type Listed = { id: string; email: string; status: string; delivery: { state: string } | null };

async function listInvitations(cookie: string): Promise<Listed[]> {
  const r = await api("GET", "/api/invitations?limit=100", { cookie });
  expectStatus(r, 200, "list invitations");
  return (r.data as unknown as { invitations: Listed[] }).invitations;
}

/** Waits until every invitation's email has an outcome (sent or failed). */
async function waitForDeliveries(cookie: string, expect: Record<string, string>) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await listInvitations(cookie);
    const pending = Object.entries(expect).filter(([email, state]) => list.find((i) => i.email === email)?.delivery?.state !== state);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`emails not delivered as expected: ${pending.map(([e, s]) => `${e} (want ${s})`).join(", ")}`);
    await sleep(200);
  }
}

async function seed(smtp: SmtpCapture): Promise<{ onboardingUrl: string }> {
  const cookie = await login(ADMIN.email, ADMIN.password);
  const invited = new Map<string, Invitation>();
  const deliveries: Record<string, string> = {};
  const secretOf = (name: string) => new URL(invited.get(name)!.url).searchParams.get("token")!;

  async function invite(name: string, role: "admin" | "member", days: number) {
    const email = `${name}@example.com`;
    const r = await api("POST", "/api/invitations", { cookie, body: { email, role, expires_in_seconds: days * 86400 } });
    expectStatus(r, 201, `invite ${email} as ${role}`);
    invited.set(name, (r.data as unknown as { invitation: Invitation }).invitation);
  }

  for (const step of STORY) {
    switch (step.do) {
      case "invite":
        await invite(step.name, step.role ?? "member", step.days ?? 7);
        deliveries[`${step.name}@example.com`] = "sent";
        break;
      case "bounce":
        await waitForDeliveries(cookie, deliveries);
        smtp.refuseWith(550);
        await invite(step.name, "member", 7);
        deliveries[`${step.name}@example.com`] = "failed";
        await waitForDeliveries(cookie, deliveries);
        smtp.refuseWith(null);
        break;
      case "claim": {
        // The real flow: the link's secret buys an onboarding token, which claims it with a password.
        const secret = secretOf(step.name);
        const issued = await api("GET", `/api/onboarding/get_token?token=${encodeURIComponent(secret)}`);
        expectStatus(issued, 200, `get_token for ${step.name}`);
        const claimed = await api("POST", "/api/onboarding/claim_token", {
          headers: { authorization: `Bearer ${String(issued.data.onboarding_token)}` },
          body: { token: secret, password: passwordOf(step.name) },
        });
        expectStatus(claimed, 200, `claim_token for ${step.name}`);
        break;
      }
      case "revoke": {
        const r = await api("POST", `/api/invitations/${invited.get(step.name)!.id}/revoke`, { cookie, body: {} });
        expectStatus(r, 200, `revoke ${step.name}`);
        break;
      }
      case "mistype": {
        const email = `${step.name}@example.com`;
        const wrong = await api("POST", "/api/auth/login", { body: { email, password: "Enigma-Bombe-1912" } });
        if (wrong.status !== 401) throw new Error(`a wrong password for ${email} answered ${wrong.status}, not 401`);
        await login(email, passwordOf(step.name));
        break;
      }
      case "pause":
        await waitForDeliveries(cookie, deliveries);
        log(`${invited.size} invited so far; waiting ${PAUSE_MS / 1000} s so the pictures show a timeline`);
        await sleep(PAUSE_MS);
        break;
    }
  }
  await waitForDeliveries(cookie, deliveries);
  const count = (d: Step["do"]) => STORY.filter((s) => s.do === d).length;
  log(
    `seeded: ${invited.size} invitations (${smtp.messages.length} emails captured, 1 refused on purpose), ` +
      `${count("claim")} claimed, ${count("revoke")} revoked`,
  );
  return { onboardingUrl: invited.get(ONBOARDING)!.url };
}

// ---------------------------------------------------------------------------------------------
// pictures

async function newPage(browser: Browser, opts: BrowserContextOptions, adminCookie?: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: URL_,
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: "UTC",
    reducedMotion: "reduce",
    colorScheme: "light",
    ...opts,
  });
  if (adminCookie) {
    await context.addCookies(
      adminCookie.split("; ").map((c) => {
        const at = c.indexOf("=");
        return { name: c.slice(0, at), value: c.slice(at + 1), url: URL_ };
      }),
    );
  }
  return context.newPage();
}

const written: string[] = [];

/** A picture of the page from its top: the viewport, or down to the bottom of `until` (at most MAX_HEIGHT). */
async function shoot(page: Page, name: string, until?: string) {
  const file = path.join(OUT, name);
  const viewport = page.viewportSize()!;
  let height = viewport.height;
  if (until) {
    const box = await page.locator(until).boundingBox();
    if (!box) throw new Error(`${name}: ${until} is not on the page`);
    height = Math.min(MAX_HEIGHT, Math.max(viewport.height, Math.ceil(box.y + box.height + 16)));
  }
  await page.screenshot({ path: file, animations: "disabled", caret: "hide", fullPage: height > viewport.height, clip: { x: 0, y: 0, width: viewport.width, height } });
  written.push(file);
}

/** Waits until a list has loaded (its rows, not "Loading…"). */
async function listLoaded(page: Page, rows: string) {
  await page.locator(rows).first().waitFor({ state: "visible", timeout: 20_000 });
  await page.waitForLoadState("networkidle");
}

async function capture(browser: Browser, onboardingUrl: string) {
  fs.mkdirSync(OUT, { recursive: true });
  const cookie = await login(ADMIN.email, ADMIN.password);

  // The onboarding page, password typed and its strength shown, confirmation still empty.
  for (const [name, viewport] of [
    ["onboarding.png", DESKTOP],
    ["onboarding-phone.png", PHONE],
  ] as const) {
    const page = await newPage(browser, { viewport, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
    await page.goto(onboardingUrl);
    await page.getByLabel("New password").fill(TYPED);
    await page.getByTestId("strength").waitFor({ state: "visible", timeout: 20_000 });
    await page.getByLabel("New password").blur();
    await shoot(page, name);
    await page.context().close();
  }

  // The lists: down to the end of the table (the invitations page's bulk form below it is left out).
  const invitations = "section[aria-labelledby=list-title]";
  for (const [name, pathname, rows, until, colorScheme] of [
    ["invitations.png", "/dashboard/invitations", "[data-testid=invitation-row]", invitations, "light"],
    ["invitations-dark.png", "/dashboard/invitations", "[data-testid=invitation-row]", invitations, "dark"],
    ["users.png", "/dashboard/users", "[data-testid=user-row]", "main", "light"],
    ["audit.png", "/dashboard/audit", "table[aria-label='Audit log'] tbody tr", "main", "light"],
  ] as const) {
    const page = await newPage(browser, { viewport: DESKTOP, colorScheme }, cookie);
    await page.goto(pathname);
    await listLoaded(page, rows);
    await shoot(page, name, until);
    await page.context().close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  ensureBuild(log, { name: "SCREENSHOTS_BUILD", value: E.SCREENSHOTS_BUILD });
  if (!(await portFree(PORT))) throw new Error(`port ${PORT} is in use (set SCREENSHOTS_PORT to another free port)`);
  const releaseLock = await holdBuildLock();
  let smtp: SmtpCapture | undefined;
  let server: Proc | undefined;
  let browser: Browser | undefined;
  try {
    smtp = await startSmtpCapture();
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.mkdirSync(WORK, { recursive: true });
    log(`starting the production server on ${URL_} (PGlite in ${path.relative(ROOT, WORK)}, SMTP capture on ${smtp.port})`);
    server = await startProcess({
      name: "server",
      args: [path.join(ROOT, "scripts", "server.mjs")],
      env: {
        ...E,
        NODE_ENV: "production",
        PORT: String(PORT),
        HOST: "127.0.0.1",
        APP_URL: URL_,
        DATABASE_URL: "",
        PGLITE_DIR: path.join(WORK, "pglite"),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
        BCRYPT_COST: "4",
        RATE_LIMITS: "off",
        SMTP_URL: smtp.url,
        MAIL_FROM: "no-reply@example.com",
        MAIL_POLL_MS: "200",
        NEXT_TELEMETRY_DISABLED: "1",
      },
      port: PORT,
      readyPath: "/api/health",
      logDir: WORK,
    });
    const { onboardingUrl } = await seed(smtp);
    browser = await chromium.launch(chromiumLaunch);
    await capture(browser, onboardingUrl);
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    // The app's SMTP connections may linger: do not wait for them longer than a moment.
    await Promise.race([smtp?.close().catch(() => {}), sleep(2000)]);
    releaseLock();
  }
  console.log(`\nWrote ${written.length} screenshots:`);
  for (const file of written) console.log(`  ${path.relative(ROOT, file).padEnd(40)} ${(fs.statSync(file).size / 1024).toFixed(0).padStart(5)} kB`);
  process.exit(0);
}

main().catch((err) => {
  console.error(`\nnpm run screenshots failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  console.error(`(the server's log: ${path.relative(ROOT, path.join(WORK, "server.log"))})`);
  process.exit(1);
});
