import { and, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import { hotSelect, keepPlanned, type DB } from "../db";
import { coalesce } from "../db/coalesce";
import { invitations, users, type Invitation, type User } from "../db/schema";
import { audit, type RequestMeta } from "./audit";
import { signOnboardingToken, verifyOnboardingToken, type LinkKind } from "./auth/onboarding-token";
import { withHashSlot } from "./auth/hash-pool";
import { hashPassword, verifyPassword } from "./auth/password";
import { createSession, revokeSessionToken, revokeUserSessions } from "./auth/session";
import { constantTimeEqual, SECRET_PATTERN, sha256Hex } from "./auth/tokens";
import { mailEnabled } from "./env";
import { DEFAULT_LOCALE, isLocale, type Locale } from "./i18n/locales";
import { currentLocale, tr } from "./i18n/request-locale";
import { invitationStatus } from "./invitations";
import { enqueueMail } from "./mail/outbox";
import { checkPasswordPolicy } from "./password-strength";

/*
 * The onboarding flow, step by step:
 *   1. inspectLink          – the onboarding page: who is invited, or why the link is dead (read-only)
 *   2. issueOnboardingToken – GET get_token: a 15-minute JWT bound to invitation + user (read-only;
 *                             a mail scanner opening the link burns nothing)
 *   3. claimInvitation      – POST claim_token: checks, then ONE transaction that reserves the
 *                             invitation, sets the password and mints the session, or writes nothing.
 *
 * The same three steps serve both kinds of link (`invitations.kind`): "invite" (a pending user sets a
 * first password) and "reset" (lib/users.ts issueReset: an active user sets a new one, and every
 * session of theirs is revoked in the claim's transaction).
 */

export type { LinkKind };

export type LinkProblem = "invitation_not_found" | "invitation_already_used" | "invitation_revoked" | "invitation_expired";

/**
 * What the three steps read of a link's rows, and nothing more: every onboarding page, get_token and
 * claim runs this lookup, and each column is sent, parsed and mapped each time (the whole two rows
 * were 22 columns, 8 of them timestamps, where these are 12). The claim's UPDATE reads the row again.
 */
const LINK_COLUMNS = {
  invitation: {
    id: invitations.id,
    kind: invitations.kind,
    tokenHash: invitations.tokenHash,
    isAccepted: invitations.isAccepted,
    revokedAt: invitations.revokedAt,
    expiresAt: invitations.expiresAt,
    locale: invitations.locale,
  },
  user: { id: users.id, email: users.email, role: users.role, passwordHash: users.passwordHash, disabledAt: users.disabledAt },
};
type Found = {
  invitation: Pick<Invitation, keyof typeof LINK_COLUMNS.invitation>;
  user: Pick<User, keyof typeof LINK_COLUMNS.user>;
};

/**
 * The lookup by the hash of a link's secret, built once per database handle: a prepared statement
 * (its SQL is not built again each time, and it is planned once per connection on Postgres and once
 * per instance on PGlite: db/index.ts keepPlanned), run on the driver itself (db/index.ts hotSelect),
 * for every link asked for in the same turn of the event loop at once (db/coalesce.ts). The hashes
 * travel as one comma-separated string of hex digits.
 */
const lookups = new WeakMap<DB, (hash: string) => Promise<Found | null>>();
function prepareLookup(db: DB) {
  const name = "find_invitations_by_secret";
  const prepared = db
    .select(LINK_COLUMNS)
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .where(sql`${invitations.tokenHash} = any(string_to_array(${sql.placeholder("hashes")}, ','))`)
    .prepare(name);
  const select = hotSelect(db, name, prepared, LINK_COLUMNS);
  return coalesce<string, Found>((hashes) => select({ hashes: hashes.join(",") }), (row) => row.invitation.tokenHash);
}

/** Looks a link (either kind) up by the hash of its secret. */
export async function findInvitationBySecret(db: DB, secret: string): Promise<Found | null> {
  if (typeof secret !== "string" || !SECRET_PATTERN.test(secret)) return null;
  const hash = sha256Hex(secret);
  let lookup = lookups.get(db);
  if (!lookup) lookups.set(db, (lookup = prepareLookup(db)));
  const row = await lookup(hash);
  // The index lookup found it; the constant-time compare keeps the final check free of timing.
  if (!row || !constantTimeEqual(row.invitation.tokenHash, hash)) return null;
  return row;
}

/**
 * Why a found link cannot be claimed, or null when it can. An invitation is used up once its user
 * has a password; a reset link expects one (a reset of a user without a password is dead).
 */
export function linkProblem(found: Found, now = new Date()): LinkProblem | null {
  const status = invitationStatus(found.invitation, now);
  const reset = found.invitation.kind === "reset";
  if (status === "accepted" || (!reset && found.user.passwordHash !== null)) return "invitation_already_used";
  if (status === "revoked" || found.user.disabledAt !== null || (reset && found.user.passwordHash === null)) return "invitation_revoked";
  if (status === "expired") return "invitation_expired";
  return null;
}

export type InspectResult =
  | { ok: true; kind: LinkKind; email: string; role: User["role"]; expiresAt: Date; locale: Locale }
  | { ok: false; reason: LinkProblem; kind?: LinkKind; locale?: Locale };

export async function inspectLink(db: DB, secret: string): Promise<InspectResult> {
  const found = await findInvitationBySecret(db, secret);
  if (!found) return { ok: false, reason: "invitation_not_found" };
  const problem = linkProblem(found);
  const locale = isLocale(found.invitation.locale) ? found.invitation.locale : DEFAULT_LOCALE;
  if (problem) return { ok: false, reason: problem, kind: found.invitation.kind, locale };
  return { ok: true, kind: found.invitation.kind, email: found.user.email, role: found.user.role, expiresAt: found.invitation.expiresAt, locale };
}

export type IssueResult =
  | { ok: true; onboardingToken: string; email: string; kind: LinkKind; expiresAt: Date }
  | { ok: false; reason: LinkProblem };

/** Changes nothing: no invitation, user or session is written. */
export async function issueOnboardingToken(db: DB, secret: string): Promise<IssueResult> {
  const found = await findInvitationBySecret(db, secret);
  if (!found) return { ok: false, reason: "invitation_not_found" };
  const problem = linkProblem(found);
  if (problem) return { ok: false, reason: problem };
  const kind = found.invitation.kind;
  const { token, expiresAt } = signOnboardingToken({ userId: found.user.id, invitationId: found.invitation.id, kind });
  return { ok: true, onboardingToken: token, email: found.user.email, kind, expiresAt };
}

export type ClaimInput = {
  onboardingToken: string;
  secret: string;
  password: string;
  /** The session cookie the browser already had, if any; it is revoked on success. */
  currentSessionToken?: string | null;
} & RequestMeta;

export type ClaimFailure =
  | { ok: false; reason: "invalid_onboarding_token" | "onboarding_token_mismatch" | LinkProblem }
  | { ok: false; reason: "weak_password"; message: string };

export type ClaimResult =
  | { ok: true; user: { id: string; email: string; role: User["role"] }; session: { token: string; expiresAt: Date } }
  | ClaimFailure;

class ClaimAborted extends Error {
  constructor(readonly reason: LinkProblem) {
    super(reason);
  }
}

export async function claimInvitation(db: DB, input: ClaimInput): Promise<ClaimResult> {
  // Checks in this order, so a caller learns nothing it should not: without a valid JWT nothing
  // about the link is revealed; without the matching link secret nothing about its state.
  const claims = await verifyOnboardingToken(input.onboardingToken);
  if (!claims) return { ok: false, reason: "invalid_onboarding_token" };

  const found = await findInvitationBySecret(db, input.secret);
  // The kind is part of the binding: an invite's JWT never claims a reset row, nor the reverse.
  if (!found || found.invitation.id !== claims.invitationId || found.user.id !== claims.userId || found.invitation.kind !== claims.kind) {
    return { ok: false, reason: "onboarding_token_mismatch" };
  }

  // From here on the caller holds a valid onboarding JWT and the matching link secret, so every
  // refusal is recorded ("invitation.claim_rejected" with its reason code). Anonymous noise (a
  // forged JWT, a wrong or unknown link) is not: it could grow the table at will.
  const rejected = async (failure: ClaimFailure): Promise<ClaimFailure> => {
    await recordRejection(db, found, failure.reason, input);
    return failure;
  };

  // A cheap read turns away used/revoked/expired links before the costly hash. It is not the
  // arbiter: the conditional UPDATE below is.
  const problem = linkProblem(found);
  if (problem) return rejected({ ok: false, reason: problem });

  const reset = found.invitation.kind === "reset";
  // The password phase, in a slot of the hashing pool (lib/auth/hash-pool.ts): when too many claims
  // wait already this throws ServerBusyError (503 server_busy) before any of the work below is done.
  // Hashed before the transaction opens (on PGlite a transaction holds the only connection), in a
  // worker thread while the strength estimate runs here; a refused password discards the hash.
  const prepared = await withHashSlot(async (): Promise<{ ok: true; passwordHash: string } | ClaimFailure> => {
    const hashing = hashPassword(input.password);
    hashing.catch(() => {}); // awaited below unless the password is refused first
    // Refusals in the request's language (route() in lib/http.ts sets it).
    const policy = await checkPasswordPolicy(input.password, found.user.email, currentLocale());
    if (!policy.ok) return { ok: false, reason: "weak_password", message: policy.message };
    // A reset must change the password: a second bcrypt run (the other thread), before the transaction.
    if (reset && found.user.passwordHash !== null && (await verifyPassword(input.password, found.user.passwordHash))) {
      return { ok: false, reason: "weak_password", message: tr("password.policy.mustDiffer") };
    }
    return { ok: true, passwordHash: await hashing };
  });
  if (!prepared.ok) return rejected(prepared);
  const passwordHash = prepared.passwordHash;
  const meta = { ip: input.ip ?? null, userAgent: input.userAgent ?? null };

  try {
    return await db.transaction(async (tx) => {
      // Lock order user → invitation, as in createInvitation, updateUser and deleteUser: a claim
      // racing a re-invite, a disable or a delete then waits instead of deadlocking. This lock
      // decides nothing (a user deleted meanwhile is simply not found by the UPDATEs below).
      // Each statement of this transaction is kept planned on PGlite (db/index.ts keepPlanned).
      await keepPlanned(tx, "claim_lock_user", tx.select({ id: users.id }).from(users).where(eq(users.id, claims.userId)).for("update"));
      // The one arbiter of who wins: the row is reserved only if it is still claimable.
      const [reserved] = await keepPlanned(
        tx,
        "claim_reserve",
        tx
          .update(invitations)
          .set({ isAccepted: true, acceptedAt: sql`now()` })
          .where(
            and(
              // The JWT's binding (invitation, user) and the link secret, checked again by the arbiter.
              eq(invitations.id, claims.invitationId),
              eq(invitations.userId, claims.userId),
              eq(invitations.tokenHash, found.invitation.tokenHash),
              eq(invitations.kind, claims.kind),
              eq(invitations.isAccepted, false),
              isNull(invitations.revokedAt),
              gt(invitations.expiresAt, sql`now()`),
            ),
          )
          .returning(RESERVED_COLUMNS),
      );
      if (!reserved) {
        // Nothing was written; say why from the row as it is now (gone: the user was deleted).
        const [now] = await tx.select().from(invitations).where(eq(invitations.id, claims.invitationId));
        throw new ClaimAborted(now ? (linkProblem({ invitation: now, user: found.user }) ?? "invitation_already_used") : "invitation_not_found");
      }

      // An invitation sets the first password; a reset replaces an existing one.
      const [user] = await keepPlanned(
        tx,
        reset ? "claim_replace_password" : "claim_set_password",
        tx
          .update(users)
          .set({ passwordHash, lastSignInAt: sql`now()`, updatedAt: sql`now()` })
          .where(and(eq(users.id, claims.userId), isNull(users.disabledAt), reset ? isNotNull(users.passwordHash) : isNull(users.passwordHash)))
          .returning({ id: users.id, email: users.email, role: users.role }),
      );
      // Disabled, or (an invite) a password appeared meanwhile: undo the reservation too.
      if (!user) throw new ClaimAborted(!reset && found.user.passwordHash ? "invitation_already_used" : "invitation_revoked");

      // A reset: every session of that user dies with the old password (same transaction).
      if (reset) await revokeUserSessions(tx, user.id);
      // Whoever was signed in in this browser is signed out for good.
      await revokeSessionToken(tx, input.currentSessionToken);
      // With email on: the inviter hears that their invitation was accepted; after a reset, the user
      // hears that their password was reset ("if this wasn't you…"). Queued in this transaction.
      await queueClaimNotice(tx, reserved, user);
      // Minted last: if this fails, the whole transaction rolls back and the link stays claimable.
      const session = await createSession(tx, user.id, meta);
      await audit(tx, {
        action: "invitation.claimed",
        actorUserId: user.id,
        targetUserId: user.id,
        invitationId: reserved.id,
        ...meta,
        details: { kind: reserved.kind },
      });
      return { ok: true, user, session } as const;
    });
  } catch (err) {
    // The transaction is over (rolled back) before anything is recorded: no connection is held
    // while another is awaited.
    if (err instanceof ClaimAborted) return rejected({ ok: false, reason: err.reason });
    // A database failure: recorded if the database still answers, then it surfaces as a 500.
    await recordRejection(db, found, "internal_error", input).catch(() => {});
    throw err;
  }
}

/** What the claim reads back of the row it reserved: the audit event's and the notice's fields. */
const RESERVED_COLUMNS = { id: invitations.id, kind: invitations.kind, createdBy: invitations.createdBy, locale: invitations.locale };
type Reserved = Pick<Invitation, keyof typeof RESERVED_COLUMNS>;

async function queueClaimNotice(tx: DB, claimed: Reserved, user: { id: string; email: string; role: User["role"] }): Promise<void> {
  // With email off there is nobody to tell, and nothing to read for it.
  if (!mailEnabled()) return;
  const at = new Date().toISOString();
  if (claimed.kind === "reset") {
    // In the language of the reset link just used (the user's latest link's: lib/users.ts writeResetLink).
    await enqueueMail(tx, { kind: "reset_claimed", recipient: user.email, userId: user.id, data: { at }, locale: linkLocale(claimed) });
    return;
  }
  if (!claimed.createdBy) return; // the command line or the first-admin bootstrap: nobody to tell
  const [inviter] = await tx
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.id, claimed.createdBy), isNull(users.disabledAt), isNotNull(users.passwordHash)));
  if (!inviter) return;
  // In the accepted invitation's language: it defaults to the inviting admin's own language when
  // they invited (the product keeps no other language per user; the first admin often has no link).
  await enqueueMail(tx, {
    kind: "invitation_accepted",
    recipient: inviter.email,
    userId: inviter.id,
    data: { invitee: user.email, role: user.role, at },
    locale: linkLocale(claimed),
  });
}

function linkLocale(invitation: Pick<Invitation, "locale">): Locale {
  return isLocale(invitation.locale) ? invitation.locale : DEFAULT_LOCALE;
}

/**
 * "invitation.claim_rejected", written on its own, outside any claim transaction (a rolled-back
 * claim is still recorded). The address is passed along, since the user row may be gone (deleted).
 */
async function recordRejection(db: DB, found: Found, reason: string, meta: RequestMeta): Promise<void> {
  await audit(db, {
    action: "invitation.claim_rejected",
    targetUserId: found.user.id,
    targetEmail: found.user.email,
    invitationId: found.invitation.id,
    ip: meta.ip ?? null,
    userAgent: meta.userAgent ?? null,
    details: { reason },
  });
}
