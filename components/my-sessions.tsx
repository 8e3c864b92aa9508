"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";

type Session = { id: string; created_at: string; expires_at: string; current: boolean };

/** The signed-in user's sessions, and a way to sign out everywhere else. */
export function MySessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const result = await apiFetch<{ sessions: Session[] }>("/api/sessions");
    if (result.ok) setSessions(result.data.sessions);
    else setMessage(result.message);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
  }, [load]);

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card">
      <h2>Your sessions</h2>
      {sessions === null ? (
        <p className="muted">Loading…</p>
      ) : (
        <table aria-label="Your sessions">
          <thead>
            <tr>
              <th>Signed in</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id}>
                <td>{new Date(s.created_at).toLocaleString()}</td>
                <td>{new Date(s.expires_at).toLocaleString()}</td>
                <td>{s.current ? <span className="status active">this browser</span> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {message ? (
        <p className="alert info" role="status">
          {message}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={busy || others === 0}
          onClick={async () => {
            setBusy(true);
            const result = await apiFetch<{ revoked: number }>("/api/sessions/revoke_others", { body: {} });
            setMessage(result.ok ? `Signed out ${result.data.revoked} other session${result.data.revoked === 1 ? "" : "s"}.` : result.message);
            await load();
            setBusy(false);
          }}
        >
          Sign out other sessions
        </button>
      </div>
    </section>
  );
}
