import { sql } from "drizzle-orm";
import { getDb, getHandle } from "../db";
import { authSecrets } from "./auth/secret";
import { env, freezeEnv, mailEnabled } from "./env";
import { startMailSender } from "./mail/sender";
import { isLoopbackHost } from "./mail/transport";
import { analyzeGrownTables, pruneExpired } from "./housekeeping";
import { logger } from "./logger";
import { preloadStrengthCheckers } from "./password-strength";
import { rateLimitsEnabled } from "./rate-limit";
import { ensureFirstAdmin } from "./users";

/** Checks configuration, opens and migrates the database, and bootstraps the first admin. */
export async function startup(): Promise<void> {
  authSecrets(); // throws when AUTH_SECRET is required and missing or short
  const e = env();
  if (e.NODE_ENV === "production") freezeEnv();
  if (e.SMTP_URL && !e.MAIL_FROM) throw new Error("MAIL_FROM is required when SMTP_URL is set (the sender address, e.g. MAIL_FROM=\"Team dashboard <no-reply@example.com>\").");
  if (e.MAIL_FROM && !e.SMTP_URL) logger.warn("MAIL_FROM is set without SMTP_URL: email stays off");
  const db = await getDb();
  const handle = await getHandle();
  const { driver } = handle;
  // Postgres: the pool's connections opened now, not by the first burst of requests.
  const connections = handle.warm ? await handle.warm() : undefined;
  logger.info({ driver, ...(connections !== undefined && { connections }) }, "database ready");
  if (!rateLimitsEnabled()) logger.warn("RATE_LIMITS=off: every rate limit is disabled");

  const result = await ensureFirstAdmin(db);
  switch (result.action) {
    case "created_admin":
      logger.info({ email: result.email }, "first admin created from ADMIN_EMAIL / ADMIN_PASSWORD");
      break;
    case "invited_admin":
      // The one secret that ever reaches output, printed once, by design (not through the logger).
      console.log(
        `\nNo admin exists yet. Open this link to set the password for ${result.email} (shown only this once):\n\n  ${result.url}\n`,
      );
      break;
    case "invitation_pending":
      console.log(
        `\nAn admin invitation for ${result.email} is still pending; its link was printed when it was created.\n` +
          `Lost it? Stop the server and run: npm run invite -- ${result.email} --role admin\n`,
      );
      break;
    case "blocked":
      logger.warn(result.message);
      break;
  }

  // The strength estimate's word lists, indexed before Ready rather than by the first password set.
  await preloadStrengthCheckers();

  if (mailEnabled()) {
    const smtp = new URL(e.SMTP_URL!);
    // Never the URL itself: it holds the SMTP password.
    logger.info({ smtp_host: smtp.hostname, smtp_port: smtp.port || null, tls: smtp.protocol === "smtps:" ? "implicit" : isLoopbackHost(smtp.hostname) ? "optional (loopback)" : "STARTTLS required" }, "email on");
    startMailSender(db);
  } else {
    logger.info("email off (SMTP_URL and MAIL_FROM unset): admins copy links by hand");
  }

  const prune = setInterval(() => {
    // Ended sessions and expired rate-limit counters; with several instances one of them does it
    // (advisory lock), the others skip this round. Same as `npm run db:prune`.
    pruneExpired(db)
      .then((r) => {
        if (r.sessions || r.rateLimits || r.outbox) logger.info({ sessions: r.sessions, rate_limits: r.rateLimits, outbox: r.outbox }, "pruned ended sessions, expired rate-limit counters and old finished emails");
      })
      .catch((err) => logger.warn({ err: { message: (err as Error).message } }, "prune failed; it runs again in 10 minutes"));
    // PGlite has no autovacuum: keep the planner's statistics fresh (Postgres does this itself).
    if (driver === "pglite") db.execute(sql`ANALYZE`).catch(() => {});
  }, 10 * 60 * 1000);
  prune.unref();
  if (driver === "pglite") {
    // A table that grew since its statistics were taken gets new ones within a minute, and the plans
    // kept for it are made again (lib/housekeeping.ts analyzeGrownTables).
    const analyze = setInterval(() => {
      analyzeGrownTables(db)
        .then((tables) => {
          if (tables.length) logger.info({ tables }, "refreshed the planner's statistics of tables that grew");
        })
        .catch((err) => logger.warn({ err: { message: (err as Error).message } }, "refreshing statistics failed; it runs again in a minute"));
    }, 60 * 1000);
    analyze.unref();
  }
  if (env().NODE_ENV !== "production") logger.info("development mode");
}

/** Next would otherwise keep listening after a failed start and answer every request with a 500. */
export async function startupOrExit(): Promise<void> {
  try {
    await startup();
  } catch (err) {
    console.error(`\nStartup failed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
