import { desc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { getDb } from "@/db";
import { auditEvents, users } from "@/db/schema";
import { requireUser } from "@/lib/auth/guard";
import { json, route } from "@/lib/http";

export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const actor = alias(users, "actor");
  const target = alias(users, "target");
  const events = await db
    .select({
      id: auditEvents.id,
      action: auditEvents.action,
      actor: actor.email,
      target: target.email,
      invitation_id: auditEvents.invitationId,
      ip: auditEvents.ip,
      details: auditEvents.details,
      created_at: auditEvents.createdAt,
    })
    .from(auditEvents)
    .leftJoin(actor, eq(actor.id, auditEvents.actorUserId))
    .leftJoin(target, eq(target.id, auditEvents.targetUserId))
    .orderBy(desc(auditEvents.createdAt))
    .limit(200);
  return json({ events });
});
