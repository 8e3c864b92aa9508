import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { createInvitation } from "./invitations";
import { claimInvitation, issueOnboardingToken } from "./onboarding";
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
