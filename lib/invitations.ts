import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { DB } from "../db";
import { invitations, users, type Invitation, type Role } from "../db/schema";
import { audit } from "./audit";
import { randomSecret, sha256Hex } from "./auth/tokens";
import { checkEmail, hasEmailShape } from "./email";
import { env } from "./env";
import { rows } from "./rate-limit";

export const DEFAULT_INVITATION_SECONDS = 7 * 24 * 3600;
export const MAX_INVITATION_SECONDS = 30 * 24 * 3600;

// The body's shape (400 invalid_request). Whether an address may name an account at all (no
// invisible characters, one script per label) and which account it names is lib/email.ts
// checkEmail's to say: 400 invalid_email, saying why.
export const emailSchema = z
  .string()
  .trim()
  .min(3, "Enter an email address.")
  .max(254, "That email address is too long.")
  .refine(hasEmailShape, "Enter an email address like name@example.com.");

export const roleSchema = z.enum(["admin", "member"]);

export type InvitationStatus = "pending" | "accepted" | "expired" | "revoked";

/** Precedence: accepted > revoked > expired > pending. */
export function invitationStatus(inv: Pick<Invitation, "isAccepted" | "revokedAt" | "expiresAt">, now = new Date()): InvitationStatus {
  if (inv.isAccepted) return "accepted";
  if (inv.revokedAt) return "revoked";
  if (inv.expiresAt.getTime() <= now.getTime()) return "expired";
  return "pending";
}

export function invitationUrl(secret: string): string {
  const url = new URL("/onboarding", env().APP_URL);
  url.searchParams.set("token", secret);
  return url.toString();
}

export type CreatedInvitation = { id: string; email: string; role: Role; url: string; expiresAt: Date };
export type CreateInvitationResult =
  | { ok: true; invitation: CreatedInvitation }
  | { ok: false; reason: "user_exists" }
  | { ok: false; reason: "invalid_email"; message: string };

/**
 * Creates (or re-issues) the invitation for an email. A pending user is created or updated (the role
 * given now applies) and its live invitation, if any, is revoked. The link secret is returned once,
 * inside `url`; only its hash is stored.
 */
export async function createInvitation(
  db: DB,
  input: { email: string; role: Role; expiresInSeconds?: number; createdBy: string | null; ip?: string | null },
): Promise<CreateInvitationResult> {
  const checked = checkEmail(input.email);
  if (!checked.ok) return { ok: false, reason: "invalid_email", message: checked.message };
  const { email, canonical } = checked;
  const seconds = input.expiresInSeconds ?? DEFAULT_INVITATION_SECONDS;
  const secret = randomSecret(32);
  return db.transaction(async (tx) => {
    // One statement, so concurrent invites of "Alice@x" and "ALICE@x" (or "ΟΔΟΣ@x" and "οδος@x")
    // meet on the unique canonical form instead of racing a SELECT. A claimed account makes the
    // WHERE false: zero rows, user_exists. The address shown stays the one first typed.
    const upserted = rows<{ id: string; email: string; role: Role }>(
      await tx.execute(sql`
        INSERT INTO users (email, email_canonical, role) VALUES (${email}, ${canonical}, ${input.role})
        ON CONFLICT (email_canonical) DO UPDATE SET role = EXCLUDED.role, disabled_at = NULL, updated_at = now()
          WHERE users.password_hash IS NULL
        RETURNING id, email, role`),
    );
    const user = upserted[0];
    if (!user) return { ok: false, reason: "user_exists" } as const;

    await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(invitations.userId, user.id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)));
    const [inv] = await tx
      .insert(invitations)
      .values({
        userId: user.id,
        kind: "invite",
        role: user.role,
        emailCanonical: canonical,
        tokenHash: sha256Hex(secret),
        createdBy: input.createdBy,
        expiresAt: sql`now() + make_interval(secs => ${seconds})`,
      })
      .returning();
    await audit(tx, {
      action: "invitation.created",
      actorUserId: input.createdBy,
      targetUserId: user.id,
      invitationId: inv.id,
      ip: input.ip,
      details: { role: user.role, expires_at: inv.expiresAt.toISOString() },
    });
    return {
      ok: true,
      invitation: { id: inv.id, email: user.email, role: user.role, url: invitationUrl(secret), expiresAt: inv.expiresAt },
    } as const;
  });
}

export type InvitationListItem = {
  id: string;
  email: string;
  role: Role;
  status: InvitationStatus;
  createdAt: Date;
  expiresAt: Date;
  acceptedAt: Date | null;
};

export async function listInvitations(db: DB, limit = 200): Promise<InvitationListItem[]> {
  const found = await db
    .select({ inv: invitations, email: users.email, role: users.role })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .orderBy(desc(invitations.createdAt))
    .limit(limit);
  const now = new Date();
  return found.map(({ inv, email, role }) => ({
    id: inv.id,
    email,
    role,
    status: invitationStatus(inv, now),
    createdAt: inv.createdAt,
    expiresAt: inv.expiresAt,
    acceptedAt: inv.acceptedAt,
  }));
}

export type RevokeResult = { ok: true } | { ok: false; reason: "invitation_not_found" | "invitation_not_pending" };

export async function revokeInvitation(db: DB, id: string, actorUserId: string, ip?: string | null): Promise<RevokeResult> {
  return db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(invitations)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(invitations.id, id), eq(invitations.isAccepted, false), isNull(invitations.revokedAt)))
      .returning();
    if (!revoked) {
      const [exists] = await tx.select({ id: invitations.id }).from(invitations).where(eq(invitations.id, id));
      return { ok: false, reason: exists ? "invitation_not_pending" : "invitation_not_found" } as const;
    }
    await audit(tx, { action: "invitation.revoked", actorUserId, targetUserId: revoked.userId, invitationId: id, ip });
    return { ok: true } as const;
  });
}

/** A fresh link for the same person and role; the old one is revoked. */
export async function reissueInvitation(
  db: DB,
  id: string,
  actorUserId: string,
  ip?: string | null,
): Promise<CreateInvitationResult | { ok: false; reason: "invitation_not_found" }> {
  const [found] = await db
    .select({ email: users.email, role: users.role })
    .from(invitations)
    .innerJoin(users, eq(users.id, invitations.userId))
    .where(eq(invitations.id, id));
  if (!found) return { ok: false, reason: "invitation_not_found" };
  return createInvitation(db, { email: found.email, role: found.role, createdBy: actorUserId, ip });
}
