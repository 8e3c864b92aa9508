// The languages the product speaks and how a request picks one. No Next imports: route handlers,
// the next-intl request config (i18n/request.ts) and tests all use these.

import { chosenLocale, DEFAULT_LOCALE as DEFAULT, negotiateLocale } from "./negotiate.mjs";

export { chosenLocale, cookieValue, isLocale, LOCALE_COOKIE, LOCALES, negotiateLocale } from "./negotiate.mjs";
export type Locale = (typeof import("./negotiate.mjs").LOCALES)[number];
export const DEFAULT_LOCALE: Locale = DEFAULT;
export const LOCALE_COOKIE_MAX_AGE = 365 * 86400;

/** Each language's own name, as the switcher shows it. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", de: "Deutsch" };

/**
 * The reader's language: the switcher's cookie, else `preferred` (an invitation's page uses the
 * language its admin chose), else Accept-Language, else English.
 */
export function pickLocale(
  cookieHeader: string | null | undefined,
  acceptLanguage: string | null | undefined,
  preferred?: Locale | null,
): Locale {
  return chosenLocale(cookieHeader) ?? preferred ?? negotiateLocale(acceptLanguage) ?? DEFAULT_LOCALE;
}

/** The language of an API request, for its error messages. */
export function localeOfRequest(request: Request): Locale {
  return pickLocale(request.headers.get("cookie"), request.headers.get("accept-language"));
}
