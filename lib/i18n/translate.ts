import { createTranslator } from "next-intl";
import { MESSAGES } from "@/messages";
import { DEFAULT_LOCALE, type Locale } from "./locales";

// A translator outside React (route handlers, emails, domain functions), from next-intl's own
// createTranslator, so messages format exactly as they do on pages.

const translators = new Map<Locale, ReturnType<typeof make>>();

function make(locale: Locale) {
  return createTranslator({ locale, messages: MESSAGES[locale] });
}

export type Translator = ReturnType<typeof make>;
export type MessageKey = Parameters<Translator>[0];
export type MessageValues = Record<string, string | number | Date>;

/** The translator for `locale` (one per language, kept). */
export function translator(locale: Locale = DEFAULT_LOCALE): Translator {
  let t = translators.get(locale);
  if (!t) {
    t = make(locale);
    translators.set(locale, t);
  }
  return t;
}

/** One message in `locale`: `translate("de", "errors.not_found")`. */
export function translate(locale: Locale, key: MessageKey, values?: MessageValues): string {
  return (translator(locale) as (key: string, values?: MessageValues) => string)(key, values);
}
