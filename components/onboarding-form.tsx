"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { checkPasswordLength } from "@/lib/password-strength";
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


export function OnboardingForm({ email, token, signedInAs, kind = "invite" }: Props) {
  const reset = kind === "reset";
  const router = useRouter();
  const ids = useId();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [touched, setTouched] = useState({ password: false, confirm: false });
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);

  // The link secret leaves the address bar (and so history and any later Referer) once loaded.
  useEffect(() => {
    if (window.location.search.includes("token=")) window.history.replaceState(null, "", "/onboarding");
  }, []);

  // The strength estimator (and its dictionaries) loads only once someone types.
  const strength = useStrength(password, email);

  const length = checkPasswordLength(password);
  const passwordError = touched.password && !length.ok ? length.message : null;
  const confirmError = touched.confirm && confirm !== password ? "The passwords don't match." : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched({ password: true, confirm: true });
    setServerError(null);
    if (!length.ok || confirm !== password) return;
    setBusy(true);
    // A fresh onboarding token for this attempt: it lives 15 minutes, a form can sit open longer.
    const issued = await apiFetch<{ onboarding_token: string }>(`/api/onboarding/get_token?token=${encodeURIComponent(token)}`);
    const claimed = issued.ok
      ? await apiFetch<{ user: { email: string } }>("/api/onboarding/claim_token", {
          body: { token, password },
          headers: { Authorization: `Bearer ${issued.data.onboarding_token}` },
        })
      : issued;
    if (!claimed.ok) {
      setServerError(claimed.message);
      setBusy(false);
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
          You are signed in as <strong>{signedInAs}</strong>. Finishing this will sign you out of that account and sign you in as{" "}
          <strong>{email}</strong>.
        </p>
      ) : null}
      {reset ? (
        <p>
          Choose a new password for <strong>{email}</strong>. It must differ from the current one. Every device signed in to this account will be
          signed out, and this browser will be signed in.
        </p>
      ) : (
        <p>
          You were invited as <strong>{email}</strong>. Choose a password to finish setting up your account.
        </p>
      )}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />

      <label htmlFor={`${ids}-password`}>New password</label>
      <input
        id={`${ids}-password`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        onBlur={() => setTouched((t) => ({ ...t, password: true }))}
        aria-invalid={passwordError ? true : undefined}
        aria-describedby={`${ids}-password-help`}
        disabled={busy}
      />
      <div id={`${ids}-password-help`}>
        {passwordError ? (
          <p className="field-error" role="alert">{passwordError}</p>
        ) : (
          <p className="muted">At least 12 characters. Long phrases of unrelated words work well.</p>
        )}
        <StrengthMeter strength={strength} password={password} />
      </div>

      <label htmlFor={`${ids}-confirm`}>Confirm password</label>
      <input
        id={`${ids}-confirm`}
        type="password"
        autoComplete="new-password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        onBlur={() => setTouched((t) => ({ ...t, confirm: true }))}
        aria-invalid={confirmError ? true : undefined}
        disabled={busy}
      />
      {confirmError ? <p className="field-error" role="alert">{confirmError}</p> : null}

      {serverError ? (
        <p className="alert error" role="alert">
          {serverError}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {reset ? (busy ? "Saving your new password…" : "Set new password and sign in") : busy ? "Setting up your account…" : "Set password and sign in"}
        </button>
      </div>
    </form>
  );
}
