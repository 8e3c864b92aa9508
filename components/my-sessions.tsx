"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";
import { RelativeTime } from "./relative-time";

type Session = { id: string; created_at: string; expires_at: string; current: boolean };

/** The signed-in user's sessions, and a way to sign out everywhere else. */
export function MySessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const result = await apiFetch<{ sessions: Session[] }>("/api/sessions");
    if (result.ok) {
      setSessions(result.data.sessions);
      setLoadError(null);
    } else setLoadError(result.message);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
  }, [load]);

  const others = sessions?.filter((s) => !s.current).length ?? 0;
  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Your sessions</h2>
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
        <div className="table-wrap">
          <table className="stack" aria-label="Your sessions">
            <thead>
              <tr>
                <th>Signed in</th>
                <th>Expires</th>
                <th>
                  <span className="sr-only">This browser</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id}>
                  <td data-label="Signed in">
                    <RelativeTime iso={s.created_at} />
                  </td>
                  <td data-label="Expires">
                    <RelativeTime iso={s.expires_at} />
                  </td>
                  <td className="cell-actions">{s.current ? <span className="status active">this browser</span> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={busy || others === 0}
          onClick={async () => {
            setBusy(true);
            const result = await apiFetch<{ revoked: number }>("/api/sessions/revoke_others", { body: {} });
            setMessage(
              result.ok
                ? { kind: "success", text: `Signed out ${result.data.revoked} other session${result.data.revoked === 1 ? "" : "s"}.` }
                : { kind: "error", text: result.message },
            );
            await load();
            setBusy(false);
          }}
        >
          Sign out other sessions
        </button>
      </div>
      <div role="status" aria-live="polite">
        {message ? <p className={`alert ${message.kind}`}>{message.text}</p> : null}
      </div>
    </section>
  );
}
