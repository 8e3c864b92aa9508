"use client";

import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useEffect, useId, useRef, useState } from "react";
import { checkPasswordLength, checkPasswordPolicy, MIN_PASSWORD_CHARS } from "@/lib/password-strength";
import { StrengthMeter, useStrength } from "./strength-meter";
import { apiFetch } from "./api-client";

type Props = {
  email: string;
  /** The link secret, from the URL this page was opened with. */
  token: string;
  /** Set when this browser is already signed in as someone else. */
  signedInAs?: string | null;
  /** "reset": a new password for an existing account (every session of it is signed out). */
  kind?: "invite" | "reset";
};

const strong = (chunks: React.ReactNode) => <strong>{chunks}</strong>;

/**
 * Speaks the language of the nearest NextIntlClientProvider: the onboarding page wraps it in its
 * invitation's language (unless the reader chose one), and so are its policy messages, its strength
 * meter and the server's answers (sent that language as Accept-Language).
 */
export function OnboardingForm({ email, token, signedInAs, kind = "invite" }: Props) {
  const reset = kind === "reset";
  const router = useRouter();
  const t = useTranslations("onboarding.form");
  const tp = useTranslations("password");
  const locale = useLocale();
  const ids = useId();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState({ password: false, confirm: false });
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  // Why this password is refused (the policy, in the browser or from the server): under the password field.
  const [policyError, setPolicyError] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  // The field to focus after the next render, once the form is enabled again (a disabled input
  // cannot take focus).
  const focusNext = useRef<HTMLInputElement | null>(null);
  useEffect(() => {
    if (busy || !focusNext.current) return;
    focusNext.current.focus();
    focusNext.current = null;
  });

  // The link secret leaves the address bar (and so history and any later Referer) once loaded.
  useEffect(() => {
    if (window.location.search.includes("token=")) window.history.replaceState(null, "", "/onboarding");
  }, []);

  // The strength estimator (and its dictionaries) loads only once someone types.
  const strength = useStrength(password, email, locale);

  const length = checkPasswordLength(password, locale);
  const passwordError = touched.password && !length.ok ? length.message : policyError;
  const confirmError = touched.confirm && confirm !== password ? tp("mismatch") : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched({ password: true, confirm: true });
    setServerError(null);
    // Focus goes to the first field in error, whose message is tied to it (aria-describedby).
    if (!length.ok) return passwordRef.current?.focus();
    if (confirm !== password) return confirmRef.current?.focus();
    setBusy(true);
    // The server's own rule (lib/password-strength.ts), so a password the meter calls weak is never sent.
    const policy = await checkPasswordPolicy(password, email, locale).catch(() => ({ ok: true }) as const);
    if (!policy.ok) {
      setPolicyError(policy.message);
      setBusy(false);
      focusNext.current = passwordRef.current;
      return;
    }
    // A fresh onboarding token for this attempt: it lives 15 minutes, a form can sit open longer.
    const issued = await apiFetch<{ onboarding_token: string }>(`/api/onboarding/get_token?token=${encodeURIComponent(token)}`, { locale });
    const claimed = issued.ok
      ? await apiFetch<{ user: { email: string } }>("/api/onboarding/claim_token", {
          body: { token, password },
          headers: { Authorization: `Bearer ${issued.data.onboarding_token}` },
          locale,
        })
      : issued;
    if (!claimed.ok) {
      setBusy(false);
      if (claimed.code === "weak_password") {
        // About the password, so it sits under the password field.
        setPolicyError(claimed.message);
        focusNext.current = passwordRef.current;
      return;
      }
      setServerError(claimed.message);
      return;
    }
    // Stays busy while the dashboard loads, so the form cannot be sent twice.
    router.replace("/dashboard");
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      {signedInAs ? (
        <p className="alert info" role="note">
          {t.rich("signedInAs", { current: signedInAs, email, strong })}
        </p>
      ) : null}
      <p>{t.rich(reset ? "introReset" : "introInvite", { email, strong })}</p>
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />

      <label htmlFor={`${ids}-password`}>{t("newPassword")}</label>
      <input
        id={`${ids}-password`}
        type="password"
        autoComplete="new-password"
        value={password}
        ref={passwordRef}
        onChange={(e) => {
          setPassword(e.target.value);
          setPolicyError(null);
        }}
        onBlur={() => setTouched((t) => ({ ...t, password: true }))}
        aria-invalid={passwordError ? true : undefined}
        aria-describedby={`${ids}-password-help`}
        disabled={busy}
      />
      <div id={`${ids}-password-help`}>
        {passwordError ? (
          <p className="field-error" role="alert">{passwordError}</p>
        ) : (
          <p className="muted">{t("help", { min: MIN_PASSWORD_CHARS })}</p>
        )}
        <StrengthMeter strength={strength} password={password} />
      </div>

      <label htmlFor={`${ids}-confirm`}>{t("confirmPassword")}</label>
      <input
        id={`${ids}-confirm`}
        type="password"
        autoComplete="new-password"
        value={confirm}
        ref={confirmRef}
        onChange={(e) => setConfirm(e.target.value)}
        onBlur={() => setTouched((t) => ({ ...t, confirm: true }))}
        aria-invalid={confirmError ? true : undefined}
        aria-describedby={confirmError ? `${ids}-confirm-error` : undefined}
        disabled={busy}
      />
      {confirmError ? (
        <p id={`${ids}-confirm-error`} className="field-error" role="alert">
          {confirmError}
        </p>
      ) : null}

      {serverError ? (
        <p className="alert error" role="alert">
          {serverError}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {reset ? t(busy ? "busyReset" : "submitReset") : t(busy ? "busyInvite" : "submitInvite")}
        </button>
      </div>
    </form>
  );
}
