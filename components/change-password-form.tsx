"use client";

import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { checkPasswordLength, MIN_PASSWORD_CHARS } from "@/lib/password-strength";
import { apiFetch } from "./api-client";
import { SESSIONS_CHANGED } from "./my-sessions";
import { StrengthMeter, useStrength } from "./strength-meter";

type FieldErrors = { current?: string; next?: string; confirm?: string; form?: string };

/**
 * Change your own password (POST /api/me/password). The response replaces the session cookie, so the
 * page keeps working; every other session is signed out.
 */
export function ChangePasswordForm({ email }: { email: string }) {
  const t = useTranslations("auth.changePassword");
  const tp = useTranslations("password");
  const locale = useLocale();
  const ids = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState({ next: false, confirm: false });
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);

  // The same meter as the onboarding form (components/strength-meter.tsx).
  const strength = useStrength(next, email, locale);

  const length = checkPasswordLength(next, locale);
  const currentError = server.current ?? null;
  const nextError = server.next ?? (touched.next && !length.ok ? length.message : null);
  const confirmError = touched.confirm && confirm !== next ? tp("mismatch") : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched({ next: true, confirm: true });
    setDone(false);
    const missing: FieldErrors = {};
    if (!current) missing.current = t("currentRequired");
    setServer(missing);
    if (!current || !length.ok || confirm !== next) return;
    setBusy(true);
    const result = await apiFetch<null>("/api/me/password", { body: { current_password: current, new_password: next }, locale });
    setBusy(false);
    if (result.ok) {
      setCurrent("");
      setNext("");
      setConfirm("");
      setTouched({ next: false, confirm: false });
      setDone(true);
      // Every other session ended and this one was replaced: the list below shows that.
      window.dispatchEvent(new Event(SESSIONS_CHANGED));
      return;
    }
    if (result.code === "invalid_credentials") setServer({ current: result.message });
    else if (result.code === "weak_password") setServer({ next: result.message });
    else setServer({ form: result.message });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{t("heading")}</h2>
      <form onSubmit={onSubmit} noValidate aria-busy={busy}>
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />

        <label htmlFor={`${ids}-current`}>{t("current")}</label>
        <input
          id={`${ids}-current`}
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => {
            setCurrent(e.target.value);
            setServer((s) => ({ ...s, current: undefined }));
          }}
          aria-invalid={currentError ? true : undefined}
          aria-describedby={currentError ? `${ids}-current-error` : undefined}
          disabled={busy}
        />
        {currentError ? (
          <p id={`${ids}-current-error`} className="field-error" role="alert">
            {currentError}
          </p>
        ) : null}

        <label htmlFor={`${ids}-new`}>{t("new")}</label>
        <input
          id={`${ids}-new`}
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => {
            setNext(e.target.value);
            setServer((s) => ({ ...s, next: undefined }));
          }}
          onBlur={() => setTouched((t) => ({ ...t, next: true }))}
          aria-invalid={nextError ? true : undefined}
          aria-describedby={`${ids}-new-help`}
          disabled={busy}
        />
        <div id={`${ids}-new-help`}>
          {nextError ? (
            <p className="field-error" role="alert">
              {nextError}
            </p>
          ) : (
            <p className="muted">{t("help", { min: MIN_PASSWORD_CHARS })}</p>
          )}
          <StrengthMeter strength={strength} password={next} />
        </div>

        <label htmlFor={`${ids}-confirm`}>{t("confirm")}</label>
        <input
          id={`${ids}-confirm`}
          type="password"
          autoComplete="new-password"
          value={confirm}
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

        {server.form ? (
          <p className="alert error" role="alert">
            {server.form}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {t(busy ? "busy" : "submit")}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {done ? <p className="alert success">{t("done")}</p> : null}
      </div>
    </section>
  );
}
