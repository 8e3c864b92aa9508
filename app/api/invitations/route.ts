import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { createdInvitationResponse, createInvitationBody, invitationListQuery, invitationListResponse } from "@/lib/api/schemas";
import { mailEnabled } from "@/lib/env";
import { requireAccess } from "@/lib/authz";
import { apiError, checkOrigin, parseWith, rateLimited, readJson, requestMeta, route } from "@/lib/http";
import { currentLocale } from "@/lib/i18n/request-locale";
import { createInvitation, listInvitations } from "@/lib/invitations";
import { hit, LIMITS } from "@/lib/rate-limit";

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireAccess(db, request, "POST /api/invitations");
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, createInvitationBody);
  if (!parsed.ok) return parsed.response;
  // Inviting someone as admin needs a recent password (lib/authz.ts REAUTH); a member invite does not.
  if (parsed.data.role === "admin" && !auth.session.fresh) return apiError("reauth_required");
  const limit = await hit(db, LIMITS.invitePerAdmin, auth.session.user.id);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await createInvitation(db, {
    email: parsed.data.email,
    role: parsed.data.role,
    expiresInSeconds: parsed.data.expires_in_seconds,
    createdBy: auth.session.user.id,
    ...requestMeta(request),
    replace: parsed.data.replace ?? false,
    enforceDomains: true,
    // The invitee's language; without one, the inviting admin's own (this request's).
    locale: parsed.data.locale ?? currentLocale(),
  });
  if (!result.ok) return apiError(result.reason, "message" in result ? result.message : undefined);
  const { id, email, role, kind, url, expiresAt, locale, emailed } = result.invitation;
  return respond(createdInvitationResponse, { invitation: { id, email, role, kind, url, expires_at: expiresAt.toISOString(), locale, emailed } }, 201);
});

export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/invitations");
  if (!auth.ok) return auth.response;
  const params = new URL(request.url).searchParams;
  const query = parseWith(invitationListQuery, {
    status: params.get("status") ?? undefined,
    q: params.get("q") ?? undefined,
    limit: params.get("limit") ?? undefined,
    cursor: params.get("cursor") ?? undefined,
  });
  if (!query.ok) return query.response;
  const list = await listInvitations(db, query.data);
  return respond(invitationListResponse, {
    invitations: list.invitations.map((i) => ({
      id: i.id,
      email: i.email,
      role: i.role,
      kind: i.kind,
      status: i.status,
      invited_by: i.invitedBy,
      created_at: i.createdAt.toISOString(),
      expires_at: i.expiresAt.toISOString(),
      accepted_at: i.acceptedAt?.toISOString() ?? null,
      revoked_at: i.revokedAt?.toISOString() ?? null,
      locale: i.locale,
      // Its email: {state: queued | sending | sent | retrying | failed | cancelled, attempts,
      // next_attempt_at, sent_at, error}, or null when it was never mailed (email off).
      delivery: i.delivery,
    })),
    next_cursor: list.nextCursor,
    email: mailEnabled() ? "on" : "off",
  });
});
