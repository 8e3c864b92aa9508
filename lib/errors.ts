import { DEFAULT_LOCALE, type Locale } from "./i18n/locales";
import { translate } from "./i18n/translate";

// Every API error and its status. Routes name a code; this file decides the status, and
// messages/<language>/errors.json the sentence a person reads, so the same failure always looks the
// same. Codes are stable English identifiers; messages follow the request's language.
export const ERRORS = {
  invalid_request: 400,
  weak_password: 400,
  invalid_email: 400,
  domain_not_allowed: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  invalid_onboarding_token: 401,
  onboarding_token_mismatch: 401,
  forbidden: 403,
  reauth_required: 403,
  csrf_rejected: 403,
  invitation_not_found: 404,
  user_not_found: 404,
  session_not_found: 404,
  not_found: 404,
  email_disabled: 404,
  method_not_allowed: 405,
  invitation_already_used: 409,
  user_exists: 409,
  invitation_pending: 409,
  user_active: 409,
  user_disabled: 409,
  user_pending: 409,
  invitation_not_pending: 409,
  cannot_change_self: 409,
  invitation_revoked: 410,
  invitation_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  server_busy: 503,
  service_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERRORS;

export function errorStatus(code: ErrorCode): number {
  return ERRORS[code];
}

/** The sentence for `code` in `locale` (English by default). */
export function errorMessage(code: ErrorCode, locale: Locale = DEFAULT_LOCALE): string {
  return translate(locale, `errors.${code}`);
}
