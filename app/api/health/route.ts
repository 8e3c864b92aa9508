import { pingDatabase } from "@/db";
import { respond } from "@/lib/api/respond";
import { healthOk, healthUnreachable } from "@/lib/api/schemas";
import { withDatabaseTimeout } from "@/lib/db-errors";
import { logger } from "@/lib/logger";

// For load balancers and orchestrators: 200 when a trivial query answers, 503 when the database
// cannot be reached within 2 s. Never rate limited, no user data, no session read.
const HEALTH_DB_TIMEOUT_MS = 2000;

export async function GET(): Promise<Response> {
  try {
    await withDatabaseTimeout(pingDatabase(), HEALTH_DB_TIMEOUT_MS);
  } catch (err) {
    const e = err as { name?: string; code?: string };
    logger.warn({ err: { name: e?.name, code: e?.code } }, "health check: database unreachable");
    return respond(healthUnreachable, { status: "error", db: "unreachable" }, 503, { "Retry-After": "2" });
  }
  return respond(healthOk, { status: "ok", db: "ok" });
}
