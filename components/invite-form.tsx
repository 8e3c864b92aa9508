"use client";

import { useId, useState } from "react";
import { apiFetch } from "./api-client";
import { CopyLink } from "./copy-link";

type Created = { invitation: { id: string; email: string; role: string; url: string; expires_at: string } };

const LIFETIMES = [
  { label: "1 day", seconds: 86400 },
  { label: "7 days", seconds: 7 * 86400 },
  { label: "30 days", seconds: 30 * 86400 },
];

export function InviteForm({ onInvited }: { onInvited?: () => void }) {
  const ids = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<"member" | "admin">("member");
  const [seconds, setSeconds] = useState(7 * 86400);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created["invitation"] | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    setCreated(null);
    if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) {
      setError("Enter an email address like name@example.com.");
      return;
    }
    setBusy(true);
    try {
      const result = await apiFetch<Created>("/api/invitations", { body: { email: email.trim(), role, expires_in_seconds: seconds } });
      if (!result.ok) {
        setError(result.message);
        return;
      }
      setCreated(result.data.invitation);
      setEmail("");
      onInvited?.();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <div className="row">
        <div className="grow3">
          <label htmlFor={`${ids}-email`}>Email</label>
          <input id={`${ids}-email`} type="email" value={email} onChange={(e) => setEmail(e.target.value)} disabled={busy} placeholder="teammate@example.com" />
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
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
      {created ? <CopyLink email={created.email} url={created.url} /> : null}
    </form>
  );
}
