// npm run bench:inprocess — the onboarding library calls in this process (no HTTP; npm run bench
// measures the production server) at the PRODUCTION bcrypt cost (12); reports ratios from one run
// (absolute times depend on the machine; ratios say what the design promises).
import { randomBytes } from "node:crypto";

process.env.BCRYPT_COST = "12";
process.env.RATE_LIMITS = "off";
process.env.LOG_LEVEL = "silent";
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
if (!process.env.DATABASE_URL) process.env.PGLITE_DIR = "memory://";

const { closeDb, getDb, getHandle } = await import("../db");
const { createInvitation } = await import("../lib/invitations");
const { claimInvitation, issueOnboardingToken } = await import("../lib/onboarding");
const { login } = await import("../lib/auth/login");
const { createSession, validateSessionToken } = await import("../lib/auth/session");
const { dummyHash, hashPassword } = await import("../lib/auth/password");
const { checkPasswordPolicy } = await import("../lib/password-strength");
const { ADVERSARIAL_PASSWORDS } = await import("../lib/testing/adversarial-passwords");

const db = await getDb();
const { driver } = await getHandle();
await dummyHash(); // computed once per process; not part of any measurement

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const stamp = Date.now();
let n = 0;

async function freshInvite() {
  const created = await createInvitation(db, { email: `bench-${stamp}-${n++}@example.com`, role: "member", createdBy: null });
  if (!created.ok) throw new Error("invite failed");
  const secret = new URL(created.invitation.url).searchParams.get("token")!;
  const issued = await issueOnboardingToken(db, secret);
  if (!issued.ok) throw new Error("get_token failed");
  return { secret, jwt: issued.onboardingToken, email: created.invitation.email };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const password = "Lichen-Tambourine-Fjord-4471";
const samples: Record<string, number[]> = {
  claim: [],
  claimTransaction: [],
  claimUsedLink: [],
  getToken: [],
  loginOk: [],
  loginWrongPassword: [],
  loginUnknownEmail: [],
  sessionCheckIdle: [],
  sessionCheckDuringClaims: [],
  hashAlone: [],
  hashBesideStrengthEstimate: [],
};

// A successful claim's transaction alone (it opens once the hash is done): db.transaction, timed
// while one claim runs.
let transactions: number[] | null = null;
const transaction = db.transaction.bind(db);
db.transaction = (async (...args: Parameters<typeof db.transaction>) => {
  const t = performance.now();
  try {
    return await transaction(...args);
  } finally {
    transactions?.push(performance.now() - t);
  }
}) as typeof db.transaction;

const member = await freshInvite();
const claimed = await claimInvitation(db, { onboardingToken: member.jwt, secret: member.secret, password });
if (!claimed.ok) throw new Error(`claim failed: ${claimed.reason}`);
const session = await createSession(db, claimed.user.id);

for (let r = 0; r < ROUNDS; r++) {
  const inv = await freshInvite();
  samples.getToken.push(await time(() => issueOnboardingToken(db, inv.secret)));
  transactions = [];
  samples.claim.push(await time(() => claimInvitation(db, { onboardingToken: inv.jwt, secret: inv.secret, password })));
  samples.claimTransaction.push(...transactions);
  transactions = null;
  samples.claimUsedLink.push(await time(() => claimInvitation(db, { onboardingToken: inv.jwt, secret: inv.secret, password })));
  samples.loginOk.push(await time(() => login(db, { email: member.email, password })));
  samples.loginWrongPassword.push(await time(() => login(db, { email: member.email, password: password + "x" })));
  samples.loginUnknownEmail.push(await time(() => login(db, { email: `nobody-${r}@example.com`, password })));
  samples.sessionCheckIdle.push(await time(() => validateSessionToken(db, session.token)));
  // The password is hashed before the claim's transaction opens, so other requests are not stalled
  // behind bcrypt even on PGlite's single connection.
  const invs = await Promise.all([freshInvite(), freshInvite(), freshInvite(), freshInvite()]);
  const claims = invs.map((i) => claimInvitation(db, { onboardingToken: i.jwt, secret: i.secret, password }));
  await new Promise((res) => setTimeout(res, 20));
  samples.sessionCheckDuringClaims.push(await time(() => validateSessionToken(db, session.token)));
  await Promise.all(claims);
  // A claim's strength estimate runs on this thread while its hash runs in a worker thread: does it
  // slow the hash? The same hash alone, then with an estimate of a new password beside it.
  samples.hashAlone.push(await time(() => hashPassword(password)));
  samples.hashBesideStrengthEstimate.push(await time(() => Promise.all([hashPassword(password), checkPasswordPolicy(`${password}-${r}`, "bench@example.com")])));
}

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof samples, number>;
const fmt = (x: number) => x.toFixed(1).padStart(8);
console.log(`\nbench: ${driver}, bcrypt cost 12, ${ROUNDS} rounds, medians (ms)\n`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(26)}${fmt(v)}`);
console.log("\nratios (same run):");
console.log(`  claim's transaction / successful claim    ${(m.claimTransaction / m.claim).toFixed(3)}   (what a claim writes, after its hash: ≪ 1)`);
console.log(`  used-link claim / successful claim       ${(m.claimUsedLink / m.claim).toFixed(3)}   (cheap read turns it away before bcrypt: ≪ 1)`);
console.log(`  get_token / successful claim             ${(m.getToken / m.claim).toFixed(3)}   (opening a link costs no hashing: ≪ 1)`);
console.log(`  login unknown email / wrong password     ${(m.loginUnknownEmail / m.loginWrongPassword).toFixed(3)}   (same bcrypt work: ≈ 1)`);
console.log(`  login wrong password / login ok          ${(m.loginWrongPassword / m.loginOk).toFixed(3)}   (≈ 1)`);
console.log(`  hash beside a strength estimate / alone   ${(m.hashBesideStrengthEstimate / m.hashAlone).toFixed(3)}   (the estimate runs on this thread, the hash in a worker: ≈ 1)`);
console.log(`  session check during 4 claims / idle     ${(m.sessionCheckDuringClaims / m.sessionCheckIdle).toFixed(1)}   (hashing outside the transaction keeps this small vs. a claim's ${m.claim.toFixed(0)} ms)`);

// The password policy on hostile inputs up to the longest password the API accepts (256
// characters): the strength estimate is bounded, so each is judged in a few milliseconds.
await checkPasswordPolicy("warm-up the dictionaries", "bench@example.com");
console.log("\npassword policy on adversarial inputs (worst of 3, ms; target ≤ 50):");
let worstPolicy = 0;
for (const { name, password: p } of ADVERSARIAL_PASSWORDS) {
  let worst = 0;
  for (let i = 0; i < 3; i++) worst = Math.max(worst, await time(() => checkPasswordPolicy(p, "bench@example.com")));
  worstPolicy = Math.max(worstPolicy, worst);
  console.log(`  ${name.padEnd(36)}${fmt(worst)}`);
}
console.log(`  worst / successful claim                 ${(worstPolicy / m.claim).toFixed(3)}   (≪ 1)`);
await closeDb();
