// Audit events as sentences a person reads. The action codes (`user.login_failed`) never reach the page.
export type AuditEventView = {
  id: string;
  action: string;
  actor: { id: string; email: string } | null;
  target: { id: string; email: string } | null;
  invitation_id?: string | null;
  ip?: string | null;
  user_agent?: string | null;
  details?: Record<string, unknown> | null;
  created_at: string;
};

export const ACTION_LABELS: Record<string, string> = {
  "invitation.created": "Invited",
  "invitation.replaced": "Invitation replaced",
  "invitation.reissued": "Link re-issued",
  "invitation.revoked": "Invitation revoked",
  "invitation.claimed": "Invitation accepted",
  "invitation.claim_rejected": "Claim rejected",
  "user.login": "Signed in",
  "user.login_failed": "Sign-in failed",
  "user.logout": "Signed out",
  "user.sessions_revoked": "Other sessions signed out",
  "user.session_revoked": "Session ended",
  "user.role_changed": "Role changed",
  "user.disabled": "User disabled",
  "user.enabled": "User enabled",
  "user.deleted": "User deleted",
  "invitation.reset_issued": "Password reset link issued",
  "user.password_changed": "Password changed",
  "user.password_change_failed": "Password change failed",
  "user.reauthenticated": "Password confirmed",
  "user.reauth_failed": "Password confirmation failed",
  "email.sent": "Email sent",
  "email.failed": "Email failed",
  "user.reset_request_dropped": "Reset request dropped",
  "audit.exported": "Audit exported",
  "admin.bootstrapped": "First admin created",
};

const MAIL_KINDS: Record<string, string> = {
  invitation: "the invitation email",
  reset: "the password reset email",
  invitation_accepted: "the invitation-accepted notice",
  password_changed: "the password-changed notice",
  reset_claimed: "the password-reset notice",
};

const REJECTIONS: Record<string, string> = {
  invitation_already_used: "link already used",
  invitation_revoked: "link revoked",
  invitation_expired: "link expired",
  invitation_not_found: "link not valid",
  weak_password: "password too weak",
  invalid_onboarding_token: "onboarding session expired",
  onboarding_token_mismatch: "onboarding session for another link",
  rate_limited: "too many attempts",
  user_disabled: "account disabled",
};

function email(who: { email: string } | null | undefined, fallback: string): string {
  return who?.email ?? fallback;
}

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : typeof v === "number" ? String(v) : null;
}

/** Turns a code we do not know into words rather than showing it raw: "user.magic_thing" → "user magic thing". */
function words(code: string): string {
  return code.replace(/[._]+/g, " ").trim();
}

export function auditSentence(e: AuditEventView): string {
  const d = e.details ?? {};
  const actor = email(e.actor, "someone");
  const target = email(e.target, str(d.email) ?? "an unknown address");
  switch (e.action) {
    case "invitation.created":
      return `${actor} invited ${target}${str(d.role) ? ` as ${str(d.role)}` : ""}`;
    case "invitation.replaced":
      return `${actor} replaced the pending invitation for ${target}${str(d.role) ? ` (as ${str(d.role)})` : ""}`;
    case "invitation.reissued":
      return `${actor} re-issued the invitation link for ${target}`;
    case "invitation.revoked":
      return `${actor} revoked the invitation for ${target}`;
    case "invitation.claimed":
      return d.kind === "reset" ? `${target} reset their password with a reset link` : `${target} accepted the invitation and set a password`;
    case "invitation.reset_issued":
      return d.requested === "self_service"
        ? `a password reset link was emailed to ${target} (asked for on the sign-in page)`
        : `${actor} issued a password reset link for ${target}`;
    case "email.sent":
      return `${MAIL_KINDS[str(d.kind) ?? ""] ?? "an email"} was delivered to ${target}`;
    case "email.failed":
      return `${MAIL_KINDS[str(d.kind) ?? ""] ?? "an email"} to ${target} could not be delivered${str(d.reason) ? `: ${words(str(d.reason)!)}` : ""}`;
    case "user.reset_request_dropped":
      return `a reset request for ${target} was dropped${str(d.reason) ? ` (${words(str(d.reason)!)})` : ""}`;
    case "user.password_changed":
      return `${actor} changed their password`;
    case "user.password_change_failed":
      return `${actor} failed to change their password (wrong current password)`;
    case "user.reauthenticated":
      return `${actor} confirmed their password to continue`;
    case "user.reauth_failed":
      return `${actor} failed to confirm their password (wrong password)`;
    case "invitation.claim_rejected": {
      const reason = str(d.reason) ?? str(d.code);
      const why = reason ? (REJECTIONS[reason] ?? words(reason)) : "link not usable";
      return `claim rejected: ${why}${e.target ? ` (${e.target.email})` : ""}`;
    }
    case "user.login":
      return `${email(e.actor, target)} signed in`;
    case "user.login_failed":
      return `failed sign-in for ${e.target ? e.target.email : (str(d.email) ?? "an address with no account")}`;
    case "user.logout":
      return `${email(e.actor, target)} signed out`;
    case "user.sessions_revoked": {
      const n = typeof d.revoked === "number" ? d.revoked : null;
      return `${actor} signed out ${n === null ? "their other sessions" : `${n} other session${n === 1 ? "" : "s"}`}`;
    }
    case "user.session_revoked":
      return e.actor && e.target && e.actor.id !== e.target.id
        ? `${actor} ended a session of ${target}${d.user_agent ? ` (${str(d.user_agent)})` : ""}`
        : `${actor} ended one of their sessions${d.user_agent ? ` (${str(d.user_agent)})` : ""}`;
    case "user.role_changed":
      return `${actor} changed ${target}'s role${str(d.from) ? ` from ${str(d.from)}` : ""}${str(d.to) ? ` to ${str(d.to)}` : ""}`;
    case "user.disabled":
      return `${actor} disabled ${target}`;
    case "user.enabled":
      return `${actor} enabled ${target}`;
    case "user.deleted":
      return `${actor} deleted ${target}`;
    case "audit.exported":
      return `${actor} exported the audit log`;
    case "admin.bootstrapped":
      return e.target ? `first admin ${e.target.email} was created at start-up` : "an invitation for the first admin was created at start-up";
    default:
      return `${e.actor ? `${e.actor.email}: ` : ""}${words(e.action)}${e.target ? ` (${e.target.email})` : ""}`;
  }
}

/** The API may still send actor/target as a bare address (older shape); accept both. */
export function normalizeEvent(raw: Record<string, unknown>): AuditEventView {
  const who = (v: unknown) =>
    v && typeof v === "object" && "email" in v ? (v as { id: string; email: string }) : typeof v === "string" ? { id: "", email: v } : null;
  return {
    id: String(raw.id),
    action: String(raw.action),
    actor: who(raw.actor),
    target: who(raw.target),
    invitation_id: (raw.invitation_id as string | null) ?? null,
    ip: (raw.ip as string | null) ?? null,
    user_agent: (raw.user_agent as string | null) ?? null,
    details: (raw.details as Record<string, unknown> | null) ?? null,
    created_at: String(raw.created_at),
  };
}
