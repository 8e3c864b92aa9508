"use client";

import { useEffect, useState } from "react";
import { estimateStrength, MIN_SCORE, type StrengthResult } from "@/lib/password-strength";

// The password strength meter of every form that sets a password (onboarding, reset, change): the
// same estimateStrength the server's policy uses, so the browser and the server judge alike.
const SCORE_LABELS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
const SCORE_COLORS = ["#b42318", "#b42318", "#9a6700", "#1a7f37", "#1a7f37"];

/** The estimate for `password`, 150 ms after the last keystroke; the dictionaries load on first use. */
export function useStrength(password: string, email: string): StrengthResult | null {
  const [strength, setStrength] = useState<StrengthResult | null>(null);
  useEffect(() => {
    if (!password) return;
    let stale = false;
    const t = setTimeout(() => {
      estimateStrength(password, email).then((r) => !stale && setStrength(r), () => {});
    }, 150);
    return () => {
      stale = true;
      clearTimeout(t);
    };
  }, [password, email]);
  return strength;
}

export function StrengthMeter({ strength, password }: { strength: StrengthResult | null; password: string }) {
  if (!strength || !password) return null;
  const hint = strength.warning || strength.suggestions[0];
  return (
    <>
      <div className="meter" aria-hidden="true">
        {/* Set through the DOM after hydration (the meter never renders on the server), so the nonce CSP allows it. */}
        <span style={{ width: `${(strength.score + 1) * 20}%`, background: SCORE_COLORS[strength.score] }} />
      </div>
      <p className="muted" data-testid="strength">
        Strength: {SCORE_LABELS[strength.score]}
        {strength.score < MIN_SCORE && hint ? ` — ${hint}` : ""}
      </p>
    </>
  );
}
