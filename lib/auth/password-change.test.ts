import { and, eq, isNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, type DB } from "../../db";
import { auditEvents, sessions, users } from "../../db/schema";
import { createUserWithSession, strongPassword } from "../testing/api";
import { hashPassword, verifyPassword } from "./password";
import { changePassword } from "./password-change";

async function state(userId: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  const live = await db.select().from(sessions).where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
  const changed = await db.select().from(auditEvents).where(and(eq(auditEvents.targetUserId, userId), eq(auditEvents.action, "user.password_changed")));
  return { user, live, changed };
}

describe("changePassword", () => {
  it("two changes at once from the same current password: exactly one wins, the other is refused (401)", async () => {
    const alice = await createUserWithSession("member");
    const db = await getDb();
    const [a, b] = [strongPassword(), strongPassword()];
    const results = await Promise.all([a, b].map((newPassword) => changePassword(db, { userId: alice.user.id, currentPassword: alice.password, newPassword })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    // Refused by the conditional UPDATE (it read the old hash first) or by the comparison (it read the new one).
    expect(results.filter((r) => !r.ok)).toMatchObject([{ ok: false, reason: "invalid_credentials" }]);
    const after = await state(alice.user.id);
    const winner = results[0].ok ? a : b;
    expect(await verifyPassword(winner, after.user.passwordHash!)).toBe(true);
    expect(after.live).toHaveLength(1);
    expect(after.changed).toHaveLength(1);
  });

  for (const meanwhile of ["the password changes", "an admin disables the user"] as const) {
    it(`${meanwhile} between the verification and the transaction: the conditional UPDATE matches nothing, nothing is written`, async () => {
      const alice = await createUserWithSession("member");
      const db = await getDb();
      const otherHash = await hashPassword(strongPassword());
      const change = meanwhile === "the password changes" ? { passwordHash: otherHash } : { disabledAt: new Date() };
      // The competing write lands just before the transaction opens, after the hash was read and verified.
      const racing = new Proxy(db, {
        get(target, prop, receiver) {
          if (prop !== "transaction") return Reflect.get(target, prop, receiver);
          return async (...args: Parameters<DB["transaction"]>) => {
            await db.update(users).set(change).where(eq(users.id, alice.user.id));
            return target.transaction(...args);
          };
        },
      });
      const r = await changePassword(racing, { userId: alice.user.id, currentPassword: alice.password, newPassword: strongPassword() });
      expect(r).toEqual({ ok: false, reason: "invalid_credentials", changedMeanwhile: true });
      const after = await state(alice.user.id);
      expect(after.user.passwordHash).toBe(meanwhile === "the password changes" ? otherHash : alice.user.passwordHash);
      expect(after.live).toHaveLength(1);
      expect(after.changed).toHaveLength(0);
    });
  }

  it("a user disabled after signing in cannot change the password (one comparison against a dummy hash)", async () => {
    const alice = await createUserWithSession("member");
    const db = await getDb();
    await db.update(users).set({ disabledAt: new Date() }).where(eq(users.id, alice.user.id));
    const r = await changePassword(db, { userId: alice.user.id, currentPassword: alice.password, newPassword: strongPassword() });
    expect(r).toEqual({ ok: false, reason: "invalid_credentials" });
    expect((await state(alice.user.id)).user.passwordHash).toBe(alice.user.passwordHash);
  });

  it("the same password typed in another Unicode form (NFD) counts as the same", async () => {
    const db = await getDb();
    const alice = await createUserWithSession("member");
    const nfc = `Café-Harbor-${Date.now()}-Quartz!`;
    const first = await changePassword(db, { userId: alice.user.id, currentPassword: alice.password, newPassword: nfc });
    expect(first.ok).toBe(true);
    const again = await changePassword(db, { userId: alice.user.id, currentPassword: nfc, newPassword: nfc.normalize("NFD") });
    expect(again).toMatchObject({ ok: false, reason: "weak_password", rule: "same_as_current" });
  });
});
