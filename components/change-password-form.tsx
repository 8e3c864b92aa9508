"use client";

import { useId, useState } from "react";
import { checkPasswordLength } from "@/lib/password-strength";
import { apiFetch } from "./api-client";
import { SESSIONS_CHANGED } from "./my-sessions";
import { StrengthMeter, useStrength } from "./strength-meter";

export const PASSWORD_CHANGED = "Password changed. Other sessions were signed out.";

type FieldErrors = { current?: string; next?: string; confirm?: string; form?: string };

/**
 * Change your own password (POST /api/me/password). The response replaces the session cookie, so the
 * page keeps working; every other session is signed out.
 */
export function ChangePasswordForm({ email }: { email: string }) {
  const ids = useId();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState({ next: false, confirm: false });
  const [busy, setBusy] = useState(false);
  const [server, setServer] = useState<FieldErrors>({});
  const [done, setDone] = useState(false);

  // The same meter as the onboarding form (components/strength-meter.tsx).
  const strength = useStrength(next, email);

  const length = checkPasswordLength(next);
  const currentError = server.current ?? null;
  const nextError = server.next ?? (touched.next && !length.ok ? length.message : null);
  const confirmError = touched.confirm && confirm !== next ? "The passwords don't match." : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched({ next: true, confirm: true });
    setDone(false);
    const missing: FieldErrors = {};
    if (!current) missing.current = "Enter your current password.";
    setServer(missing);
    if (!current || !length.ok || confirm !== next) return;
    setBusy(true);
    const result = await apiFetch<null>("/api/me/password", { body: { current_password: current, new_password: next } });
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
      <h2 id={`${ids}-title`}>Change password</h2>
      <form onSubmit={onSubmit} noValidate aria-busy={busy}>
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />

        <label htmlFor={`${ids}-current`}>Current password</label>
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

        <label htmlFor={`${ids}-new`}>New password</label>
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
            <p className="muted">At least 12 characters, different from your current password.</p>
          )}
          <StrengthMeter strength={strength} password={next} />
        </div>

        <label htmlFor={`${ids}-confirm`}>Confirm new password</label>
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
            {busy ? "Changing password…" : "Change password"}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite">
        {done ? <p className="alert success">{PASSWORD_CHANGED}</p> : null}
      </div>
    </section>
  );
}
