"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";
import { SessionsTable, type SessionRow } from "./sessions-table";

/** "1 day", "12 hours", "90 minutes": the largest unit that divides evenly, else minutes. */
export function duration(seconds: number): string {
  const units: [string, number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  const [unit, size] = units.find(([, size]) => seconds % size === 0) ?? ["minute", 60];
  const n = Math.max(1, Math.round(seconds / size));
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** Fired on window after something here ended sessions (a password change): the list reloads. */
export const SESSIONS_CHANGED = "sessions-changed";

/** The signed-in user's sessions: sign out one, or everywhere else. */
export function MySessions({ idleSeconds, ttlSeconds }: { idleSeconds: number; ttlSeconds: number }) {
  const [sessions, setSessions] = useState<SessionRow[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const result = await apiFetch<{ sessions: SessionRow[] }>("/api/sessions");
    if (result.ok) {
      setSessions(result.data.sessions);
      setLoadError(null);
    } else setLoadError(result.message);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
    const reload = () => void load();
    window.addEventListener(SESSIONS_CHANGED, reload);
    return () => window.removeEventListener(SESSIONS_CHANGED, reload);
  }, [load]);

  async function revokeOne(s: SessionRow) {
    setBusy(s.id);
    const result = await apiFetch<null>(`/api/sessions/${s.id}/revoke`, { body: {} });
    const what = s.user_agent ?? "that session";
    setMessage(result.ok ? { kind: "success", text: `Signed out ${what}${s.ip ? ` (${s.ip})` : ""}.` } : { kind: "error", text: result.message });
    await load();
    setBusy(null);
  }

  async function revokeOthers() {
    setBusy("others");
    const result = await apiFetch<{ revoked: number }>("/api/sessions/revoke_others", { body: {} });
    setMessage(
      result.ok
        ? { kind: "success", text: `Signed out ${result.data.revoked} other session${result.data.revoked === 1 ? "" : "s"}.` }
        : { kind: "error", text: result.message },
    );
    await load();
    setBusy(null);
  }

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
      <p className="hint">
        Every browser signed in to your account. A session ends when you sign out, after {duration(idleSeconds)} without use, or{" "}
        {duration(ttlSeconds)} after signing in, whichever comes first.
      </p>
      {loadError ? (
        <div className="alert error" role="alert">
          <p>Could not load your sessions: {loadError}</p>
          <button type="button" className="secondary small" onClick={() => void load()}>
            Try again
          </button>
        </div>
      ) : sessions === null ? (
        <p className="loading">Loading…</p>
      ) : sessions.length === 0 ? (
        <p className="empty">No sessions.</p>
      ) : (
        <SessionsTable sessions={sessions} label="Your sessions" busyId={busy} onRevoke={(s) => void revokeOne(s)} />
      )}
      <div className="actions">
        <button type="button" className="secondary" disabled={busy !== null || others === 0} onClick={() => void revokeOthers()}>
          {busy === "others" ? "Signing out…" : "Sign out everywhere else"}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {message ? <p className={`alert ${message.kind}`}>{message.text}</p> : null}
      </div>
    </section>
  );
}
