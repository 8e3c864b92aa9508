import { eq, sql } from "drizzle-orm";
import type { DB } from "../db";
import { users } from "../db/schema";
import { audit } from "./audit";
import { canonicalEmail } from "./email";
import { enqueueForgotRequest, finishRequest, type Leased } from "./mail/outbox";
import { unseal } from "./mail/seal";
import { rows } from "./rate-limit";
import { writeResetLink } from "./users";

// Forgot password, in two steps that never meet.
//
// 1. The sign-in page's request (POST /api/auth/forgot): record it and answer 202. The same work and
//    the same answer for every address — unknown, pending, disabled or active — so the answer tells a
//    stranger nothing. The address is stored only sealed and as a keyed hash (lib/mail/seal.ts).
// 2. The sender loop, out of band (lib/mail/sender.ts): decide. Only an active account with a password
//    gets a reset link (the same hardened reset as an admin's: lib/users.ts writeResetLink, claimed
//    through claimInvitation), lasting one hour, mailed to the address on the account. An address
//    receives at most RESET_EMAILS_PER_HOUR reset emails an hour; further requests are dropped.
//    The email is in the language of the user's latest invitation (writeResetLink), not the
//    requester's: anyone may type an address on the sign-in page, and nothing of theirs is kept.

export const SELF_SERVICE_RESET_SECONDS = 3600;
export const RESET_EMAILS_PER_HOUR = 3;

/** Step 1. The caller checked the address's shape; nothing here depends on whether it has an account. */
export async function requestPasswordReset(db: DB, input: { email: string; ip: string | null }): Promise<void> {
  await enqueueForgotRequest(db, canonicalEmail(input.email.trim()), input.ip);
}

export type ForgotDecision = "issued" | "no_account" | "capped" | "unreadable" | "lost_lease";

/**
 * Step 2, for one leased request, in one transaction: the user row locked first (lock order user →
 * invitation; two instances deciding two requests for one address take turns, so the cap holds), the
 * cap counted under that lock, then the reset written (its email queued with it) and the request
 * marked done — or the request dropped. A lost lease rolls everything back.
 */
export async function decideForgotRequest(db: DB, row: Leased): Promise<ForgotDecision> {
  const canonical = row.sealed ? unseal(row.sealed, row.id) : null;
  const ip = typeof row.data.ip === "string" ? row.data.ip : null;
  class LostLease extends Error {}
  try {
    return await db.transaction(async (tx) => {
      const finish = async (status: "done" | "dropped") => {
        if (!(await finishRequest(tx, row, status))) throw new LostLease();
      };
      if (canonical === null) {
        await finish("dropped");
        return "unreadable" as const;
      }
      const [user] = await tx.select().from(users).where(eq(users.emailCanonical, canonical)).for("update");
      if (!user || user.disabledAt !== null || user.passwordHash === null) {
        await finish("dropped");
        return "no_account" as const;
      }
      const [{ n }] = rows<{ n: number }>(
        await tx.execute(sql`
          SELECT count(*)::int AS n FROM outbox
          WHERE address_hash = ${row.addressHash} AND kind = 'reset' AND created_at > now() - interval '1 hour'`),
      );
      if (n >= RESET_EMAILS_PER_HOUR) {
        await finish("dropped");
        await audit(tx, { action: "user.reset_request_dropped", targetUserId: user.id, ip, details: { reason: `at most ${RESET_EMAILS_PER_HOUR} reset emails an hour` } });
        return "capped" as const;
      }
      await writeResetLink(tx, user, { actorUserId: null, seconds: SELF_SERVICE_RESET_SECONDS, ip });
      await finish("done");
      return "issued" as const;
    });
  } catch (err) {
    if (err instanceof LostLease) return "lost_lease";
    throw err;
  }
}
