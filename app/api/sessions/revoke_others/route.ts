import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { revokeOthersResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { revokeOtherSessions } from "@/lib/auth/session";
import { checkOrigin, requestMeta, route } from "@/lib/http";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/sessions/revoke_others");
  if (!auth.ok) return auth.response;
  const revoked = await revokeOtherSessions(db, auth.session.user.id, auth.session.sessionId, requestMeta(request));
  return respond(revokeOthersResponse, { revoked });
});
