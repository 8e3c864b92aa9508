// Every API error, its status and the sentence a person reads. Routes name a code; this file decides
// the rest, so the same failure always looks the same.
export const ERRORS = {
  invalid_request: [400, "The request is not valid."],
  weak_password: [400, "Choose a stronger password."],
  invalid_email: [400, "That email address can't be used."],
  domain_not_allowed: [400, "Invitations can only go to the domains this team allows."],
  invalid_credentials: [401, "That email and password don't match an active account."],
  unauthorized: [401, "Sign in to continue."],
  invalid_onboarding_token: [401, "This onboarding session is not valid or has expired. Reload the invitation link and try again."],
  onboarding_token_mismatch: [401, "This onboarding session does not belong to this invitation link. Reload the link and try again."],
  forbidden: [403, "Only admins can do this."],
  reauth_required: [403, "Confirm your password to continue: this action needs a recent sign-in."],
  csrf_rejected: [403, "This request came from another site and was refused."],
  invitation_not_found: [404, "This invitation link is not valid. Check that you copied the whole link, or ask for a new one."],
  user_not_found: [404, "There is no such user."],
  session_not_found: [404, "There is no such session, or it has already ended."],
  not_found: [404, "Not found."],
  email_disabled: [404, "Email is off on this server: ask an admin to reset your access."],
  method_not_allowed: [405, "This method is not allowed here."],
  invitation_already_used: [409, "This invitation has already been used. Sign in instead, or ask an admin for a new link."],
  user_exists: [409, "That email already has an account."],
  invitation_pending: [409, "That address already has a pending invitation. Replace it to send a new link (the old one stops working)."],
  user_active: [409, "This user has set a password: disable the account instead of deleting it."],
  user_disabled: [409, "This user is disabled: enable the account first."],
  user_pending: [409, "This user has not set a password yet: re-issue their invitation instead."],
  invitation_not_pending: [409, "This invitation is no longer pending."],
  cannot_change_self: [409, "You cannot change your own role or disable yourself."],
  invitation_revoked: [410, "This invitation was revoked. Ask an admin for a new link."],
  invitation_expired: [410, "This invitation has expired. Ask an admin for a new link."],
  payload_too_large: [413, "The request body is too large."],
  unsupported_media_type: [415, "Send the request body as JSON (Content-Type: application/json)."],
  rate_limited: [429, "Too many attempts. Wait a moment and try again."],
  internal_error: [500, "Something went wrong on our side. Nothing was changed; please try again."],
  server_busy: [503, "The server is busy right now. Please try again in a moment."],
  service_unavailable: [503, "The service is temporarily unavailable. Please try again shortly."],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export function errorStatus(code: ErrorCode): number {
  return ERRORS[code][0];
}

export function errorMessage(code: ErrorCode): string {
  return ERRORS[code][1];
}
