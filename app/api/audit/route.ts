import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { auditListResponse } from "@/lib/api/schemas";
import { listAuditEvents, parseAuditQuery } from "@/lib/audit-log";
import { requireAccess } from "@/lib/authz";
import { apiError, route } from "@/lib/http";

// GET /api/audit?action=&actor=&target=&from=&to=&limit=&cursor= — newest first, keyset-paged
// (lib/audit-log.ts).
export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/audit");
  if (!auth.ok) return auth.response;
  const parsed = parseAuditQuery(new URL(request.url).searchParams, { paging: true });
  if (!parsed.ok) return apiError("invalid_request", parsed.message);
  const { events, nextCursor } = await listAuditEvents(db, parsed.query);
  return respond(auditListResponse, { events, next_cursor: nextCursor });
});
