"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE, LOCALE_NAMES, LOCALES, type Locale } from "@/lib/i18n/locales";

/**
 * One button per language, on every page. The choice is remembered in a cookie (URLs carry no
 * language, so invitation links keep their form) and the page re-renders in place: what a form holds
 * stays.
 */
export function LanguageSwitcher() {
  const current = useLocale();
  const router = useRouter();
  const t = useTranslations("common.language");
  function choose(locale: Locale) {
    rememberLocale(locale);
    router.refresh();
  }
  return (
    <div className="language-switcher" role="group" aria-label={t("label")}>
      {LOCALES.map((locale) => (
        <button
          key={locale}
          type="button"
          className="link-button"
          lang={locale}
          aria-pressed={locale === current}
          title={locale === current ? undefined : t("switchTo", { language: LOCALE_NAMES[locale] })}
          onClick={() => (locale === current ? undefined : choose(locale))}
        >
          {LOCALE_NAMES[locale]}
        </button>
      ))}
    </div>
  );
}

function rememberLocale(locale: Locale) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=${LOCALE_COOKIE_MAX_AGE}; SameSite=Lax${secure}`;
}
