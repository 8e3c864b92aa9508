"use client";

import Link from "next/link";
import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { DEFAULT_LOCALE, type Locale } from "@/lib/i18n/locales";
import { translate } from "@/lib/i18n/translate";

/** "Retry-After: 90" → "about 2 minutes"; a missing or odd header → "a few minutes" (in `locale`). */
export function waitText(retryAfter: string | null, locale: Locale = DEFAULT_LOCALE): string {
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : NaN;
  if (!Number.isFinite(seconds)) return translate(locale, "auth.forgot.wait.unknown");
  if (seconds < 60) return translate(locale, "auth.forgot.wait.seconds", { count: Math.max(1, seconds) });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return translate(locale, "auth.forgot.wait.minutes", { count: minutes });
  const hours = Math.ceil(minutes / 60);
  return translate(locale, "auth.forgot.wait.hours", { count: hours });
}

/**
 * Ask for a password reset link by email. The server answers the same for every well-formed
 * address, so the page never says whether an account exists.
 */
export function ForgotPasswordForm() {
  const t = useTranslations("auth.forgot");
  const tc = useTranslations("auth.client");
  const locale = useLocale();
  const ids = useId();
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [emailError, setEmailError] = useState<string | null>(null);
  // The server's answer to an accepted request stays up (the form stays usable for another try).
  const [accepted, setAccepted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setEmailError(null);
    setError(null);
    const address = email.trim();
    if (!address) {
      setEmailError(t("emailRequired"));
      return;
    }
    setBusy(true);
    try {
      let res: Response;
      try {
        // Plain fetch rather than apiFetch: a 429 needs its Retry-After header.
        res = await fetch("/api/auth/forgot", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept-Language": locale },
          body: JSON.stringify({ email: address }),
          credentials: "same-origin",
          cache: "no-store",
        });
      } catch {
        setError(tc("unreachable"));
        return;
      }
      const body = (await res.json().catch(() => null)) as { message?: string; error?: { code?: string; message?: string } } | null;
      if (res.status === 202 || res.ok) {
        setAccepted(body?.message || t("accepted"));
        return;
      }
      const code = body?.error?.code;
      const message = body?.error?.message;
      if (res.status === 400 && code === "invalid_request") {
        // The server names the field first ("email: Enter an email address like …").
        setEmailError((message ?? t("emailInvalid")).replace(/^email:\s*/i, ""));
        return;
      }
      if (res.status === 429) {
        setError(t("tooMany", { wait: waitText(res.headers.get("Retry-After"), locale) }));
        return;
      }
      if (code === "email_disabled") {
        setError(t("emailDisabled"));
        return;
      }
      setError(message ?? tc("status", { status: String(res.status) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <p className="hint">{t("hint")}</p>
      <label htmlFor={`${ids}-email`}>{t("email")}</label>
      <input
        id={`${ids}-email`}
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        disabled={busy}
        aria-invalid={emailError ? true : undefined}
        aria-describedby={emailError ? `${ids}-email-error` : undefined}
      />
      {emailError ? (
        <p id={`${ids}-email-error`} className="field-error" role="alert">
          {emailError}
        </p>
      ) : null}
      <div role="status" aria-live="polite" data-testid="forgot-status">
        {accepted ? <p className="alert success">{accepted}</p> : null}
      </div>
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {t("submit")}
        </button>
        <Link href="/login">{t("back")}</Link>
      </div>
    </form>
  );
}
