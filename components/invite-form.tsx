"use client";

import { useId, useState } from "react";
import { apiFetch } from "./api-client";
import { useConfirm } from "./confirm-dialog";

/** `emailed`: queued to be mailed to the invitee (email on). `url` is null for a reset link that was mailed. */
export type CreatedInvitation = { id: string; email: string; role: string; kind?: string; url: string | null; expires_at: string; emailed?: boolean };
type Created = { invitation: CreatedInvitation };

export const LIFETIMES = [
  { label: "1 day", seconds: 86400 },
  { label: "7 days", seconds: 7 * 86400 },
  { label: "30 days", seconds: 30 * 86400 },
];

// Refusals that are about the address itself: shown next to the email field.
const EMAIL_ERRORS = new Set(["invalid_email", "domain_not_allowed", "user_exists"]);

/**
 * Invite one address. The link is not shown here: the page shows it once, in one place (`onInvited`).
 * A live pending invitation for the address is only replaced after the admin confirms.
 */
export function InviteForm({ onInvited }: { onInvited?: (invitation: CreatedInvitation) => void }) {
  const ids = useId();
  const { confirm, dialog } = useConfirm();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [seconds, setSeconds] = useState(7 * 86400);
  const [busy, setBusy] = useState(false);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function send(address: string, replace: boolean): Promise<void> {
    const body = { email: address, role, expires_in_seconds: seconds, ...(replace ? { replace: true } : {}) };
    const result = await apiFetch<Created>("/api/invitations", { body });
    if (result.ok) {
      setEmail("");
      setRole("member");
      onInvited?.(result.data.invitation);
      return;
    }
    if (result.code === "invitation_pending" && !replace) {
      setBusy(false);
      const ok = await confirm({
        title: "Replace the pending invitation?",
        body: (
          <p>
            <strong>{address}</strong> already has a pending invitation; replace it? The old link stops working.
          </p>
        ),
        confirmLabel: "Replace invitation",
        danger: true,
      });
      if (!ok) {
        setError(`Nothing changed: ${address} keeps the pending invitation.`);
        return;
      }
      setBusy(true);
      return send(address, true);
    }
    if (EMAIL_ERRORS.has(result.code)) setEmailError(result.message);
    else setError(result.message);
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setEmailError(null);
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setEmailError("Enter an email address like name@example.com.");
      return;
    }
    setBusy(true);
    try {
      await send(address, false);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
    {dialog}
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <div className="row">
        <div className="grow3">
          <label htmlFor={`${ids}-email`}>Email</label>
          <input
            id={`${ids}-email`}
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            disabled={busy}
            placeholder="teammate@example.com"
            aria-invalid={emailError ? true : undefined}
            aria-describedby={emailError ? `${ids}-email-error` : undefined}
          />
        </div>
        <div>
          <label htmlFor={`${ids}-role`}>Role</label>
          <select id={`${ids}-role`} value={role} onChange={(e) => setRole(e.target.value as "member" | "admin")} disabled={busy}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${ids}-expires`}>Link valid for</label>
          <select id={`${ids}-expires`} value={seconds} onChange={(e) => setSeconds(Number(e.target.value))} disabled={busy}>
            {LIFETIMES.map((l) => (
              <option key={l.seconds} value={l.seconds}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        <div className="shrink">
          <button type="submit" disabled={busy}>
            {busy ? "Inviting…" : "Invite"}
          </button>
        </div>
      </div>
      {emailError ? (
        <p id={`${ids}-email-error`} className="field-error" role="alert">
          {emailError}
        </p>
      ) : null}
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
    </>
  );
}
