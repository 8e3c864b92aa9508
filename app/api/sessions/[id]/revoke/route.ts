import { getDb } from "@/db";
import { clearedSessionCookie, revokeSession } from "@/lib/auth/session";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, noContent, parseWith, requestMeta, route } from "@/lib/http";
import { idSchema } from "@/lib/ids";

/**
 * Ends one session: your own, or anyone's if you are an admin (lib/auth/session.ts revokeSession);
 * any other id is 404 session_not_found. Ending the session you are using signs this browser out.
 */
export const POST = route(async (request, ctx: { params: Promise<{ id: string }> }) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/sessions/:id/revoke");
  if (!auth.ok) return auth.response;
  const id = parseWith(idSchema, (await ctx.params).id);
  if (!id.ok) return apiError("session_not_found");
  const result = await revokeSession(db, {
    sessionId: id.data,
    actorUserId: auth.session.user.id,
    currentSessionId: auth.session.sessionId,
    ...requestMeta(request),
  });
  if (!result.ok) return apiError(result.reason);
  return noContent(result.current ? [["Set-Cookie", clearedSessionCookie()]] : []);
});
