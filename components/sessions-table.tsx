"use client";

import { RelativeTime } from "./relative-time";

/** A session as GET /api/sessions and GET /api/users/:id/sessions answer it. */
export type SessionRow = {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  authenticated_at: string;
  expires_at: string;
  current: boolean;
};

/**
 * Live sessions: where each was signed in from, when, when last used and when it ends, with one
 * "Sign out" button each (none for the session in use when `keepCurrent`: the header's Sign out is
 * that one). The same table on the Account page and on the Users page.
 */
export function SessionsTable({
  sessions,
  label,
  busyId,
  onRevoke,
  keepCurrent = true,
}: {
  sessions: SessionRow[];
  label: string;
  busyId: string | null;
  onRevoke: (s: SessionRow) => void;
  keepCurrent?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table className="stack" aria-label={label}>
        <thead>
          <tr>
            <th>Device</th>
            <th>IP address</th>
            <th>Signed in</th>
            <th>Last used</th>
            <th>Ends</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row">
              <td data-label="Device">
                {s.user_agent ?? <span className="muted">Unknown device</span>}
                {s.current ? (
                  <>
                    {" "}
                    <span className="status active">this browser</span>
                  </>
                ) : null}
              </td>
              <td data-label="IP address">{s.ip ?? <span className="muted">—</span>}</td>
              <td data-label="Signed in">
                <RelativeTime iso={s.created_at} />
              </td>
              <td data-label="Last used">
                <RelativeTime iso={s.last_used_at} />
              </td>
              <td data-label="Ends">
                <RelativeTime iso={s.expires_at} />
              </td>
              <td className="cell-actions">
                {s.current && keepCurrent ? null : (
                  <button
                    type="button"
                    className="secondary small"
                    disabled={busyId !== null}
                    onClick={() => onRevoke(s)}
                    aria-label={`Sign out ${s.user_agent ?? "this session"}${s.ip ? ` at ${s.ip}` : ""}`}
                  >
                    {busyId === s.id ? "Signing out…" : "Sign out"}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
