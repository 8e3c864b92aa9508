import { randomUUID } from "node:crypto";
import { getDb } from "@/db";
import { AUDIT_CSV_HEADER, auditCsvRow, auditEventBatches, parseAuditQuery, recordAuditExport } from "@/lib/audit-log";
import { requireAccess } from "@/lib/authz";
import { apiError, requestMeta, route } from "@/lib/http";
import { logger } from "@/lib/logger";

// GET /api/audit/export?action=&actor=&target=&from=&to= — every matching event as CSV, streamed:
// the body pulls one keyset batch (≤ 1,000 rows, its own query, no transaction) at a time, only when
// the reader wants more, so a large export never sits in memory.
export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/audit/export");
  if (!auth.ok) return auth.response;
  const parsed = parseAuditQuery(new URL(request.url).searchParams, { paging: false });
  if (!parsed.ok) return apiError("invalid_request", parsed.message);

  const exportId = randomUUID();
  const start = await recordAuditExport(db, { actorUserId: auth.session.user.id, given: parsed.query.given, exportId, ...requestMeta(request) });
  const batches = auditEventBatches(db, parsed.query.filters, { after: start });
  const encoder = new TextEncoder();

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(AUDIT_CSV_HEADER));
    },
    async pull(controller) {
      try {
        const next = await batches.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value.map(auditCsvRow).join("")));
      } catch (err) {
        // The status line is sent already: the download ends as a network error, never as a
        // complete-looking file.
        const e = err as { name?: string; code?: string };
        logger.error({ err: { name: e?.name, code: e?.code }, exportId }, "audit export failed");
        controller.error(err);
      }
    },
    async cancel() {
      await batches.return(undefined);
    },
  });

  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return new Response(body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="audit-events-${stamp}.csv"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
});
