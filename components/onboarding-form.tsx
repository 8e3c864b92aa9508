"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { checkPasswordLength, checkPasswordPolicy } from "@/lib/password-strength";
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
  const strength = useStrength(password, email);

  const length = checkPasswordLength(password);
  const passwordError = touched.password && !length.ok ? length.message : policyError;
  const confirmError = touched.confirm && confirm !== password ? "The passwords don't match." : null;

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setTouched({ password: true, confirm: true });
    setServerError(null);
    // Focus goes to the first field in error, whose message is tied to it (aria-describedby).
    if (!length.ok) return passwordRef.current?.focus();
    if (confirm !== password) return confirmRef.current?.focus();
    setBusy(true);
    // The server's own rule (lib/password-strength.ts), so a password the meter calls weak is never sent.
    const policy = await checkPasswordPolicy(password, email).catch(() => ({ ok: true }) as const);
    if (!policy.ok) {
      setPolicyError(policy.message);
      setBusy(false);
      focusNext.current = passwordRef.current;
      return;
    }
    // A fresh onboarding token for this attempt: it lives 15 minutes, a form can sit open longer.
    const issued = await apiFetch<{ onboarding_token: string }>(`/api/onboarding/get_token?token=${encodeURIComponent(token)}`);
    const claimed = issued.ok
      ? await apiFetch<{ user: { email: string } }>("/api/onboarding/claim_token", {
          body: { token, password },
          headers: { Authorization: `Bearer ${issued.data.onboarding_token}` },
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
          {reset ? (busy ? "Saving your new password…" : "Set new password and sign in") : busy ? "Setting up your account…" : "Set password and sign in"}
        </button>
      </div>
    </form>
  );
}
