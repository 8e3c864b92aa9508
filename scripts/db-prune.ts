// npm run db:prune
// Deletes sessions that ended more than 30 days ago (revoked, expired or idle) and expired
// rate-limit counters, and prints how many. Invitations and audit events are never pruned. The
// server does the same every 10 minutes (lib/startup.ts); on Postgres this runs beside it (one of
// them does the work, an advisory lock), on PGlite it refuses while a server holds the directory.
import { closeDb, getDb } from "../db";
import { pruneExpired, SESSION_PRUNE_GRACE_SECONDS } from "../lib/housekeeping";

if (process.argv.length > 2) {
  console.error("Usage: npm run db:prune   (no arguments)");
  process.exit(2);
}

try {
  const db = await getDb();
  const result = await pruneExpired(db);
  if (!result.ran) {
    console.log("Another instance is pruning right now (it holds the lock); nothing done here.");
  } else {
    const days = SESSION_PRUNE_GRACE_SECONDS / 86400;
    console.log(`Removed ${result.sessions} session(s) that ended more than ${days} days ago (revoked, expired or idle).`);
    console.log(`Removed ${result.rateLimits} expired rate-limit counter(s).`);
    console.log(`Removed ${result.outbox} finished email row(s) made more than 30 days ago.`);
    console.log("Invitations and audit events are kept.");
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await closeDb().catch(() => {});
}
