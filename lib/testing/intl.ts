import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/locales";

// The language components render in under vitest (vitest.setup-dom.ts gives next-intl's hooks the
// real messages of this language; it is English again after each test).
let locale: Locale = DEFAULT_LOCALE;

export function setTestLocale(next: Locale): void {
  locale = next;
}

export function testLocale(): Locale {
  return locale;
}
