import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb, getHandle, keepPlanned } from "@/db";
import { invitations, users } from "@/db/schema";
import { sha256Hex } from "./auth/tokens";
import { createInvitation } from "./invitations";
import { claimInvitation, findInvitationBySecret, issueOnboardingToken } from "./onboarding";
import { strongPassword, uniqueEmail } from "./testing/api";

describe("claimInvitation racing a re-invite of the same person", () => {
  it("never fails with a database error (no deadlock); either the claim or the new link wins", async () => {
    const db = await getDb();
    const password = strongPassword();
    const outcomes: string[] = [];
    for (let i = 0; i < 60; i++) {
      const email = uniqueEmail("race");
      const created = await createInvitation(db, { email, role: "member", createdBy: null });
      if (!created.ok) throw new Error("setup");
      const secret = new URL(created.invitation.url).searchParams.get("token")!;
      const issued = await issueOnboardingToken(db, secret);
      if (!issued.ok) throw new Error("setup");
      const [claim, reinvite] = await Promise.allSettled([
        claimInvitation(db, { onboardingToken: issued.onboardingToken, secret, password }),
        createInvitation(db, { email: email.toUpperCase(), role: "admin", createdBy: null }),
      ]);
      expect(claim.status, String((claim as PromiseRejectedResult).reason)).toBe("fulfilled");
      expect(reinvite.status, String((reinvite as PromiseRejectedResult).reason)).toBe("fulfilled");
      const c = (claim as PromiseFulfilledResult<Awaited<ReturnType<typeof claimInvitation>>>).value;
      const r = (reinvite as PromiseFulfilledResult<Awaited<ReturnType<typeof createInvitation>>>).value;
      // Exactly one of them takes effect: a claimed account cannot be re-invited, a revoked link cannot be claimed.
      expect(c.ok !== r.ok, `claim ${c.ok ? "ok" : c.reason}, re-invite ${r.ok ? "ok" : r.reason}`).toBe(true);
      outcomes.push(c.ok ? "claim" : "reinvite");
    }
    expect(outcomes).toHaveLength(60);
  });
});

describe("the link lookup (findInvitationBySecret), run on the driver itself", () => {
  it("returns exactly the rows drizzle returns, nulls, timestamps to the millisecond and all", async () => {
    const db = await getDb();
    // The app's handle runs it on the driver (db/index.ts hotSelect), not through drizzle's statement.
    expect(typeof (db as unknown as Record<symbol, unknown>)[Symbol.for("invite-onboarding.hot-rows")]).toBe("function");
    const secrets: string[] = [];
    for (const [i, tweak] of [
      sql`expires_at = '2031-03-04 05:06:07.291999+00'`,
      sql`revoked_at = '2026-01-02 03:04:05.000001+00', expires_at = '2031-01-01 00:00:00.057+02'`,
      sql`is_accepted = true, accepted_at = now()`,
    ].entries()) {
      const created = await createInvitation(db, { email: uniqueEmail(`lookup-${i}`), role: i === 1 ? "admin" : "member", createdBy: null });
      if (!created.ok) throw new Error("setup");
      await db.execute(sql`UPDATE invitations SET ${tweak} WHERE id = ${created.invitation.id}`);
      if (i === 2) await db.execute(sql`UPDATE users SET password_hash = 'x', disabled_at = '2026-05-06 07:08:09.999999+00' WHERE id = (SELECT user_id FROM invitations WHERE id = ${created.invitation.id})`);
      secrets.push(new URL(created.invitation.url).searchParams.get("token")!);
    }
    for (const secret of secrets) {
      const found = await findInvitationBySecret(db, secret);
      const [plain] = await db
        .select({ invitation: invitations, user: users })
        .from(invitations)
        .innerJoin(users, eq(users.id, invitations.userId))
        .where(eq(invitations.tokenHash, sha256Hex(secret)));
      const pick = <T extends object>(row: T, like: object) => Object.fromEntries(Object.keys(like).map((k) => [k, row[k as keyof T]]));
      expect(found).toEqual({ invitation: pick(plain.invitation, found!.invitation), user: pick(plain.user, found!.user) });
      expect(found!.invitation.expiresAt).toBeInstanceOf(Date);
    }
    const [accepted, revoked] = [await findInvitationBySecret(db, secrets[2]), await findInvitationBySecret(db, secrets[1])];
    expect(accepted?.invitation.isAccepted).toBe(true);
    expect(accepted?.user.disabledAt?.toISOString()).toBe("2026-05-06T07:08:09.999Z");
    expect(revoked?.invitation.revokedAt?.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect((await findInvitationBySecret(db, secrets[0]))?.invitation.expiresAt.toISOString()).toBe("2031-03-04T05:06:07.291Z");
    expect(await findInvitationBySecret(db, secrets[0].replace(/.$/, (c) => (c === "A" ? "B" : "A")))).toBeNull();
  });
  it("answers links asked for together (one statement, db/coalesce.ts) each with its own rows", async () => {
    const db = await getDb();
    const made: { secret: string; email: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const email = uniqueEmail(`together-${i}`);
      const created = await createInvitation(db, { email, role: "member", createdBy: null });
      if (!created.ok) throw new Error("setup");
      made.push({ secret: new URL(created.invitation.url).searchParams.get("token")!, email });
    }
    const unknown = made[0].secret.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    // All asked for in the same turn: the six links, one of them twice, an unknown one, a malformed one.
    const asked = [...made.map((m) => m.secret), made[2].secret, unknown, "not a secret"];
    // Counted on the driver: node-postgres's pool.query, PGlite's query and exec (its EXECUTE).
    const client = (db as unknown as { $client: Record<string, unknown> }).$client;
    const spies = ["query", "exec"].filter((m) => typeof client[m] === "function").map((m) => vi.spyOn(client as Record<string, () => unknown>, m));
    const found = await Promise.all(asked.map((secret) => findInvitationBySecret(db, secret)));
    const statements = spies.flatMap((spy) => spy.mock.calls).filter((args) => JSON.stringify(args).includes("find_invitations_by_secret"));
    for (const spy of spies) spy.mockRestore();
    expect(statements).toHaveLength(1);
    expect(found.map((f) => f?.user.email ?? null)).toEqual([...made.map((m) => m.email), made[2].email, null, null]);
    for (const [i, f] of found.entries()) if (f) expect(f.invitation.tokenHash).toBe(sha256Hex(asked[i]));
    // A revocation that has answered is seen by the next lookup, even one asked for together with others.
    await db.execute(sql`UPDATE invitations SET revoked_at = now() WHERE token_hash = ${sha256Hex(made[3].secret)}`);
    const again = await Promise.all(made.map((m) => findInvitationBySecret(db, m.secret)));
    expect(again.map((f) => f?.invitation.revokedAt !== null)).toEqual([false, false, false, true, false, false]);
  });
});

describe("a claim's transaction, kept planned (db/index.ts keepPlanned) on either driver", () => {
  const labels = ["claim_lock_user", "claim_reserve", "claim_set_password", "insert_session", "insert_audit_event"];
  const preparedNames = async (db: Awaited<ReturnType<typeof getDb>>) =>
    ((await db.execute(sql`SELECT name FROM pg_prepared_statements`)) as unknown as { rows: Array<{ name: string }> }).rows.map((r) => r.name);

  it("runs each of its statements by its label, prepared once on the connection, and the claim succeeds", async () => {
    const db = await getDb();
    const { driver } = await getHandle();
    // On Postgres, what node-postgres is asked (a named statement is a config with `name`); PGlite
    // has one connection, whose prepared statements are listed after the claims.
    const pg = (await import("pg")).default;
    const spy = driver === "postgres" ? vi.spyOn(pg.Client.prototype, "query") : null;
    try {
      for (let i = 0; i < 2; i++) {
        const created = await createInvitation(db, { email: uniqueEmail("planned"), role: "member", createdBy: null });
        if (!created.ok) throw new Error("setup");
        const secret = new URL(created.invitation.url).searchParams.get("token")!;
        const issued = await issueOnboardingToken(db, secret);
        if (!issued.ok) throw new Error("setup");
        spy?.mockClear();
        const claimed = await claimInvitation(db, { onboardingToken: issued.onboardingToken, secret, password: strongPassword(), ip: "203.0.113.9", userAgent: "Mozilla/5.0 (test)" });
        expect(claimed.ok).toBe(true);
        if (spy) {
          const named = spy.mock.calls.map(([q]) => (q as { name?: string } | undefined)?.name).filter(Boolean);
          expect(named).toEqual(expect.arrayContaining(labels));
        }
      }
    } finally {
      spy?.mockRestore();
    }
    if (!spy) expect(await preparedNames(db)).toEqual(expect.arrayContaining(labels));
    // Prepared in the session of the connection that ran it (a transaction's), under its label, once.
    const names = await db.transaction(async (tx) => {
      const probe = () => keepPlanned(tx, "test_probe_user_count", tx.select({ n: sql<number>`count(*)::int` }).from(users));
      const [first] = await probe();
      const [second] = await probe();
      expect(second.n).toBe(first.n);
      return preparedNames(tx);
    });
    expect(names.filter((name) => name === "test_probe_user_count")).toHaveLength(1);
  });
});
