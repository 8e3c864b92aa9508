import { z } from "zod";
import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { apiError, checkOrigin, clientIp, json, rateLimited, readJson, route } from "@/lib/http";
import { createInvitation, emailSchema, listInvitations, MAX_INVITATION_SECONDS, roleSchema } from "@/lib/invitations";
import { hit, LIMITS } from "@/lib/rate-limit";

const createSchema = z.object({
  email: emailSchema,
  role: roleSchema.default("member"),
  expires_in_seconds: z
    .number()
    .int("expires_in_seconds must be a whole number of seconds.")
    .min(1, "expires_in_seconds must be at least 1.")
    .max(MAX_INVITATION_SECONDS, "An invitation can last at most 30 days (2592000 seconds).")
    .optional(),
});

export const POST = route(async (request) => {
  const refused = checkOrigin(request);
  if (refused) return refused;
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const parsed = await readJson(request, createSchema);
  if (!parsed.ok) return parsed.response;
  const limit = await hit(db, LIMITS.invitePerAdmin, auth.session.user.id);
  if (!limit.ok) return rateLimited(limit.retryAfterSeconds);

  const result = await createInvitation(db, {
    email: parsed.data.email,
    role: parsed.data.role,
    expiresInSeconds: parsed.data.expires_in_seconds,
    createdBy: auth.session.user.id,
    ip: clientIp(request),
  });
  if (!result.ok) return apiError(result.reason, "message" in result ? result.message : undefined);
  const { id, email, role, url, expiresAt } = result.invitation;
  return json({ invitation: { id, email, role, url, expires_at: expiresAt.toISOString() } }, 201);
});

export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const list = await listInvitations(db);
  return json({
    invitations: list.map((i) => ({
      id: i.id,
      email: i.email,
      role: i.role,
      status: i.status,
      created_at: i.createdAt.toISOString(),
      expires_at: i.expiresAt.toISOString(),
      accepted_at: i.acceptedAt?.toISOString() ?? null,
    })),
  });
});
