// One address, one account: case folding and Unicode forms never split or merge accounts, and
// look-alike addresses are refused (issue: hostile input, round two, §3).
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { users } from "@/db/schema";
import { issueOnboardingToken, claimInvitation } from "@/lib/onboarding";
import { body, createUserWithSession, request, strongPassword } from "@/lib/testing/api";
import { POST as login } from "../auth/login/route";
import { POST as invite } from "../invitations/route";

let adminCookie: string;
beforeAll(async () => {
  adminCookie = (await createUserWithSession("admin")).cookie;
});

/** A domain of its own per test (the random part in its own label keeps each label one script). */
const domain = () => `${randomUUID().slice(0, 8)}.example.com`;

async function inviteRoute(email: string, extra: Record<string, unknown> = {}) {
  const res = await invite(request("/api/invitations", { body: { email, ...extra }, cookie: adminCookie }));
  return { status: res.status, json: await body<{ invitation?: { id: string; email: string; url: string }; error?: { code: string; message: string } }>(res) };
}

async function claim(url: string, password: string) {
  const db = await getDb();
  const secret = new URL(url).searchParams.get("token")!;
  const issued = await issueOnboardingToken(db, secret);
  if (!issued.ok) throw new Error(issued.reason);
  const claimed = await claimInvitation(db, { onboardingToken: issued.onboardingToken, secret, password });
  if (!claimed.ok) throw new Error(claimed.reason);
  return claimed.user;
}

async function signIn(email: string, password: string) {
  const res = await login(request("/api/auth/login", { body: { email, password } }));
  return { status: res.status, json: await body<{ user?: { id: string; email: string } }>(res) };
}

async function usersAt(d: string) {
  const db = await getDb();
  const all = await db.select().from(users);
  return all.filter((u) => u.email.endsWith(`@${d}`));
}

describe("case folding: one address is one account", () => {
  it("invited and claimed as ΟΔΟΣ@…, the user signs in with ΟΔΟΣ, οδοσ and οδος; inviting οδος@… makes no second account", async () => {
    const d = domain();
    const invited = await inviteRoute(`ΟΔΟΣ@${d}`);
    expect(invited.status).toBe(201);
    expect(invited.json.invitation!.email).toBe(`ΟΔΟΣ@${d}`); // shown as typed
    const password = strongPassword();
    const user = await claim(invited.json.invitation!.url, password);
    for (const spelling of [`ΟΔΟΣ@${d}`, `οδοσ@${d}`, `οδος@${d}`, `Οδος@${d.toUpperCase()}`]) {
      const r = await signIn(spelling, password);
      expect(r.status, spelling).toBe(200);
      expect(r.json.user!.id).toBe(user.id);
    }
    const again = await inviteRoute(`οδος@${d}`);
    expect(again.status).toBe(409);
    expect(again.json.error!.code).toBe("user_exists");
    expect(await usersAt(d)).toHaveLength(1);
  });

  it.each([
    ["STRASSE", "straße"],
    ["ÉVE", "e\u0301ve"], // decomposed é beside the composed capital
    ["ＡＬＩＣＥ", "alice"], // fullwidth letters
    ["\u212Aim", "kim"], // KELVIN SIGN
  ])("%s@… and %s@… are one pending account (the second invite finds its pending link; with replace it re-issues it)", async (a, b) => {
    const d = domain();
    const first = await inviteRoute(`${a}@${d}`);
    const second = await inviteRoute(`${b}@${d}`);
    expect(first.status).toBe(201);
    expect(second.status).toBe(409);
    expect(second.json.error!.code).toBe("invitation_pending");
    expect((await inviteRoute(`${b}@${d}`, { replace: true })).status).toBe(201);
    const found = await usersAt(d);
    expect(found).toHaveLength(1);
    expect(found[0].email).toBe(`${a}@${d}`); // the address first typed stays the one shown
  });
});

describe("look-alikes and invisible characters are refused with 400 invalid_email", () => {
  it.each([
    ["root\u200b", /invisible or special character \(U\+200B\)/], // zero-width space
    ["ro\u00adot", /U\+00AD/], // soft hyphen
    ["\u202eroot", /U\+202E/], // right-to-left override
    ["r\u043e\u043et", /mixes letters of different scripts/], // Cyrillic о
    ["p\u03b1ypal", /mixes letters of different scripts/], // Greek α
  ])("%j@… → 400 invalid_email, saying why, and no user row", async (local, why) => {
    const d = domain();
    const r = await inviteRoute(`${local}@${d}`);
    expect(r.status).toBe(400);
    expect(r.json.error!.code).toBe("invalid_email");
    expect(r.json.error!.message).toMatch(why);
    expect(await usersAt(d)).toHaveLength(0);
  });

  it("a pure Cyrillic or pure Greek address stays valid", async () => {
    for (const local of ["корень", "οδυσσεας"]) {
      const d = domain();
      expect((await inviteRoute(`${local}@${d}`)).status, local).toBe(201);
    }
  });

  it("the stored canonical form is what lookups compare", async () => {
    const d = domain();
    await inviteRoute(`ΟΔΟΣ@${d}`);
    const db = await getDb();
    const [row] = await db.select().from(users).where(eq(users.emailCanonical, `οδοσ@${d}`));
    expect(row?.email).toBe(`ΟΔΟΣ@${d}`);
  });
});
