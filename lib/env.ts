import { z } from "zod";
import { canonicalEmail } from "./email";

// The only module that reads process.env. Tests (and the CLI) change variables at run time, so every
// call compares the variables it knows with the last parse and parses again only when one changed: a
// zod parse costs about 120 µs, and a request reads the settings many times. The production server
// skips even the comparison once it has started (freezeEnv, below).
const boolish = z.enum(["on", "off"]);

const envSchema = z.object({
  DATABASE_URL: z.string().min(1).optional(),
  // Postgres: how long to wait for a connection (a new one, or a free one from the pool) before the
  // request is answered 503 service_unavailable.
  DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(2000),
  // Postgres: a statement running longer is cancelled (57014) and the request answered 503; 0 = no
  // limit (bulk jobs such as the benchmark's seeding).
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(2147483647).default(5000),
  // Where the embedded database lives; "memory://" keeps it in memory (tests).
  PGLITE_DIR: z.string().min(1).default(".data/pglite"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  APP_URL: z.url().optional(),
  AUTH_SECRET: z.string().optional(),
  AUTH_SECRET_PREVIOUS: z.string().optional(),
  BCRYPT_COST: z.coerce.number().int().min(4).max(15).default(12),
  ONBOARDING_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(90 * 24 * 3600)
    .default(7 * 24 * 3600),
  // A session ends this long after its last use (whichever comes first: this or SESSION_TTL_SECONDS).
  SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(2147483647).default(24 * 3600),
  // Sensitive admin actions need the password proven on this session within this many seconds.
  REAUTH_MAX_AGE_SECONDS: z.coerce.number().int().min(1).max(2147483647).default(900),
  // Worker threads that run bcrypt (lib/auth/hash-pool.ts); unset: available cores ÷ WEB_CONCURRENCY.
  HASH_THREADS: z.coerce.number().int().min(1).max(256).optional(),
  // Hashing tasks that may wait for a thread; beyond that, 503 server_busy at once.
  HASH_QUEUE_MAX: z.coerce.number().int().min(0).max(1_000_000).default(64),
  // Server processes started by `npm start` (scripts/server.mjs, Node's cluster).
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(1),
  RATE_LIMITS: boolish.default("on"),
  ADMIN_EMAIL: z.string().default("admin@example.com"),
  ADMIN_PASSWORD: z.string().optional(),
  // Optional: invitations may go only to these domains (comma-separated; compared canonically,
  // exact domain, no subdomains). Unset or empty: every domain.
  INVITE_DOMAINS: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const domains = parseDomains(value);
      if (domains === null) {
        ctx.addIssue({ code: "custom", message: "list domains separated by commas, e.g. example.com,example.org" });
        return z.NEVER;
      }
      return domains;
    }),
  // Email (lib/mail): SMTP_URL and MAIL_FROM together turn it on. smtp://user:pass@host:port
  // (STARTTLS required unless the host is a loopback address) or smtps://… (TLS from the start).
  SMTP_URL: z
    .string()
    .optional()
    .refine((v) => v === undefined || /^smtps?:\/\/[^/?#]+\/?$/i.test(v), "use smtp://user:pass@host:port or smtps://user:pass@host:port"),
  MAIL_FROM: z.string().trim().min(3).max(320).optional(),
  // The product's name in emails.
  APP_NAME: z.string().trim().min(1).max(100).default("Team dashboard"),
  // Seconds to wait before each retry of a message that could not be sent; after the last, it has failed.
  MAIL_RETRY_SECONDS: z
    .string()
    .default("60,300,1800,7200,21600")
    .transform((value, ctx) => {
      const parts = value.split(",").map((p) => p.trim());
      const seconds = parts.map(Number);
      if (parts.length > 50 || seconds.some((n, i) => parts[i] === "" || !Number.isInteger(n) || n < 0 || n > 30 * 24 * 3600)) {
        ctx.addIssue({ code: "custom", message: "list whole seconds separated by commas, e.g. 60,300,1800" });
        return z.NEVER;
      }
      return seconds;
    }),
  // How often each instance's sender looks for messages that are due.
  MAIL_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  NODE_ENV: z.string().default("development"),
});

export type Env = Omit<z.infer<typeof envSchema>, "APP_URL"> & { APP_URL: string };

const KEYS = Object.keys(envSchema.shape);
let cached: { fingerprint: string; value: Env } | null = null;
// On globalThis: Next evaluates this module once per route bundle, and one call freezes them all.
const g = globalThis as unknown as { __envFrozen?: boolean };

/**
 * The production server reads its environment once (lib/startup.ts calls this): from then on env()
 * returns what it parsed without reading process.env again. Reading the ~50 variables to notice a
 * change cost about 10 µs per call, several calls per request; nothing changes them in a running
 * server. Tests and scripts, which do change them, never freeze.
 */
export function freezeEnv(): void {
  g.__envFrozen = true;
}

export function env(): Env {
  if (g.__envFrozen && cached) return cached.value;
  let fingerprint = "";
  for (const key of KEYS) {
    const value = process.env[key];
    fingerprint += value === undefined ? "\u0001" : `${value}\u0000`;
  }
  if (cached?.fingerprint === fingerprint) return cached.value;
  const value = parseEnv();
  cached = { fingerprint, value };
  return value;
}

function parseEnv(): Env {
  const parsed = envSchema.safeParse(emptyToUndefined(process.env));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid environment: ${fields}`);
  }
  // Without APP_URL, links point at this server on localhost. Frozen: every caller shares it.
  return Object.freeze({ ...parsed.data, APP_URL: parsed.data.APP_URL ?? `http://localhost:${parsed.data.PORT}` });
}

/** A domain as INVITE_DOMAINS and the domain check compare it: canonical, without a trailing dot. */
export function canonicalDomain(domain: string): string {
  return canonicalEmail(domain.trim()).replace(/\.$/, "");
}

function parseDomains(value: string): string[] | null {
  const domains = value
    .split(",")
    .map((d) => canonicalDomain(d.trim().replace(/^@/, "")))
    .filter((d) => d !== "");
  if (domains.length === 0 || domains.some((d) => !/^[^\s@,/]+$/u.test(d))) return null;
  return [...new Set(domains)];
}

/** Whether email is on: SMTP_URL and MAIL_FROM are both set. */
export function mailEnabled(): boolean {
  const e = env();
  return e.SMTP_URL !== undefined && e.MAIL_FROM !== undefined;
}

/** The canonical domains invitations may go to (INVITE_DOMAINS), or null when every domain may. */
export function inviteDomains(): string[] | null {
  return env().INVITE_DOMAINS ?? null;
}

/**
 * A rate limit's override, from RATE_LIMIT_<NAME> = "<max>/<window seconds>", e.g.
 * RATE_LIMIT_LOGIN_IP=200/900 for the limit named "login:ip". Malformed values are ignored.
 */
export function rateLimitOverride(name: string): { max: number; windowSeconds: number } | null {
  const value = process.env[`RATE_LIMIT_${name.replace(/[^a-z0-9]+/gi, "_").toUpperCase()}`];
  const match = value ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value) : null;
  if (!match) return null;
  const max = Number(match[1]);
  const windowSeconds = Number(match[2]);
  return max >= 1 && windowSeconds >= 1 ? { max, windowSeconds } : null;
}

function emptyToUndefined(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(source)) out[k] = v === "" ? undefined : v;
  return out;
}

export function appOrigin(): string {
  return new URL(env().APP_URL).origin;
}

export function isHttpsApp(): boolean {
  return new URL(env().APP_URL).protocol === "https:";
}
