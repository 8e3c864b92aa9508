"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { Locale } from "@/lib/i18n/locales";
import { estimateStrength, MIN_SCORE, type StrengthResult } from "@/lib/password-strength";

// The password strength meter of every form that sets a password (onboarding, reset, change): the
// same estimateStrength the server's policy uses, so the browser and the server judge alike.
const SCORE_LABELS = ["veryWeak", "weak", "fair", "strong", "veryStrong"] as const;
const SCORE_COLORS = ["#b42318", "#b42318", "#9a6700", "#1a7f37", "#1a7f37"];

/**
 * The estimate for `password`, 150 ms after the last keystroke; the dictionaries load on first use.
 * zxcvbn's feedback is in `locale` (the form's useLocale()).
 */
export function useStrength(password: string, email: string, locale: Locale): StrengthResult | null {
  const [strength, setStrength] = useState<StrengthResult | null>(null);
  useEffect(() => {
    if (!password) return;
    let stale = false;
    const t = setTimeout(() => {
      estimateStrength(password, email, locale).then((r) => !stale && setStrength(r), () => {});
    }, 150);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [password, email, locale]);
  return strength;
}

export function StrengthMeter({ strength, password }: { strength: StrengthResult | null; password: string }) {
  const t = useTranslations("password.meter");
  if (!strength || !password) return null;
  const hint = strength.warning || strength.suggestions[0];
  const label = t(SCORE_LABELS[strength.score]);
  return (
    <>
      <div className="meter" aria-hidden="true">
        {/* Set through the DOM after hydration (the meter never renders on the server), so the nonce CSP allows it. */}
        <span style={{ width: `${(strength.score + 1) * 20}%`, background: SCORE_COLORS[strength.score] }} />
      </div>
      <p className="muted" data-testid="strength">
        {strength.score < MIN_SCORE && hint ? t("strengthWithHint", { label, hint }) : t("strength", { label })}
      </p>
    </>
  );
}
