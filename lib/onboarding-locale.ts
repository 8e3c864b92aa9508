import { pickLocale, type Locale } from "./i18n/locales";

/**
 * The language of an invitation's page (app/onboarding/page.tsx): the reader's own choice (the
 * switcher's cookie) first, else the language the inviting admin chose for the invitation (known
 * for a dead link too, when the link was found), else the browser's Accept-Language, else English.
 */
export function onboardingPageLocale(
  cookieHeader: string | null | undefined,
  acceptLanguage: string | null | undefined,
  link: { locale?: Locale | null },
): Locale {
  return pickLocale(cookieHeader, acceptLanguage, link.locale ?? null);
}
