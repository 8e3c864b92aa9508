import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "../db";
import { auditEvents, users } from "../db/schema";
import { audit } from "./audit";
import { createUserWithSession } from "./testing/api";

describe("the audit trail is append-only in the database", () => {
  it.each([
    ["UPDATE", (id: string) => sql`UPDATE audit_events SET action = 'forged' WHERE id = ${id}`],
    ["DELETE", (id: string) => sql`DELETE FROM audit_events WHERE id = ${id}`],
    ["TRUNCATE", () => sql`TRUNCATE audit_events`],
  ])("%s is refused by the trigger, and the event stays as written", async (_op, statement) => {
    const db = await getDb();
    const invitationId = randomUUID();
    await audit(db, { action: "user.login_failed", invitationId, ip: "192.0.2.1" });
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, invitationId));
    await expect(db.execute(statement(event.id))).rejects.toThrow();
    const [after] = await db.select().from(auditEvents).where(eq(auditEvents.id, event.id));
    expect(after).toEqual(event);
  });

  it("records the actor's and target's addresses, and keeps them after the user row is deleted", async () => {
    const db = await getDb();
    const admin = await createUserWithSession("admin");
    const member = await createUserWithSession("member");
    const invitationId = randomUUID();
    await audit(db, { action: "user.role_changed", actorUserId: admin.user.id, targetUserId: member.user.id, invitationId, userAgent: "x".repeat(400) });
    await db.delete(users).where(eq(users.id, member.user.id));
    const [event] = await db.select().from(auditEvents).where(eq(auditEvents.invitationId, invitationId));
    expect(event).toMatchObject({
      actorUserId: admin.user.id,
      actorEmail: admin.user.email,
      targetUserId: member.user.id,
      targetEmail: member.user.email,
    });
    expect(event.userAgent).toHaveLength(256);
  });
});
