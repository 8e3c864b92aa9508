"use client";

import Link from "next/link";
import { useId, useState } from "react";

const FALLBACK_ACCEPTED = "If an account uses this address, a link to reset its password is on its way. It works once, for one hour.";

/** "Retry-After: 90" → "about 2 minutes"; a missing or odd header → "a few minutes". */
export function waitText(retryAfter: string | null): string {
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) : NaN;
  if (!Number.isFinite(seconds)) return "a few minutes";
  if (seconds < 60) return seconds <= 1 ? "a second" : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return minutes === 1 ? "a minute" : `about ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? "an hour" : `about ${hours} hours`;
}

/**
 * Ask for a password reset link by email. The server answers the same for every well-formed
 * address, so the page never says whether an account exists.
 */
export function ForgotPasswordForm() {
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
      setEmailError("Enter the email address you sign in with.");
      return;
    }
    setBusy(true);
    try {
      let res: Response;
      try {
        // Plain fetch rather than apiFetch: a 429 needs its Retry-After header.
        res = await fetch("/api/auth/forgot", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ email: address }),
          credentials: "same-origin",
          cache: "no-store",
        });
      } catch {
        setError("Could not reach the server. Check your connection and try again.");
        return;
      }
      const body = (await res.json().catch(() => null)) as { message?: string; error?: { code?: string; message?: string } } | null;
      if (res.status === 202 || res.ok) {
        setAccepted(body?.message || FALLBACK_ACCEPTED);
        return;
      }
      const code = body?.error?.code;
      const message = body?.error?.message;
      if (res.status === 400 && code === "invalid_request") {
        // The server names the field first ("email: Enter an email address like …").
        setEmailError((message ?? "Enter an email address like name@example.com.").replace(/^email:\s*/i, ""));
        return;
      }
      if (res.status === 429) {
        setError(`Too many requests from here. Wait ${waitText(res.headers.get("Retry-After"))} and try again.`);
        return;
      }
      if (code === "email_disabled") {
        setError("Email is off on this server: ask an admin to reset your access.");
        return;
      }
      setError(message ?? `The server answered ${res.status}. Please try again.`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <p className="hint">Enter the address you sign in with. We email a link to choose a new password.</p>
      <label htmlFor={`${ids}-email`}>Email</label>
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
          Email me a reset link
        </button>
        <Link href="/login">Back to sign in</Link>
      </div>
    </form>
  );
}
