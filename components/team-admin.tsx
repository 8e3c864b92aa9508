"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";
import { CopyLink } from "./copy-link";
import { InviteForm } from "./invite-form";

type Invitation = { id: string; email: string; role: string; status: string; created_at: string; expires_at: string; accepted_at: string | null };
type User = { id: string; email: string; role: "admin" | "member"; status: string; created_at: string };
type AuditEvent = { id: string; action: string; actor: string | null; target: string | null; ip: string | null; created_at: string };

const fmt = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

/** The admin part of the dashboard: invite, the invitation list (revoke, re-issue) and users. */
export function TeamAdmin({ currentUserId }: { currentUserId: string }) {
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reissued, setReissued] = useState<{ email: string; url: string } | null>(null);

  const load = useCallback(async () => {
    const [inv, usr, audit] = await Promise.all([
      apiFetch<{ invitations: Invitation[] }>("/api/invitations"),
      apiFetch<{ users: User[] }>("/api/users"),
      apiFetch<{ events: AuditEvent[] }>("/api/audit"),
    ]);
    if (audit.ok) setEvents(audit.data.events.slice(0, 25));
    if (inv.ok) setInvitations(inv.data.invitations);
    else setError(inv.message);
    if (usr.ok) setUsers(usr.data.users);
    else setError(usr.message);
  }, []);

  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data on mount
    void load();
  }, [load]);

  async function act(path: string, body?: unknown, method = "POST") {
    setError(null);
    const result = await apiFetch<{ invitation?: { email: string; url: string } }>(path, { method, body: body ?? {} });
    if (!result.ok) setError(result.message);
    else if (result.data?.invitation) setReissued(result.data.invitation);
    await load();
  }

  return (
    <>
      <section className="card">
        <h2>Invite a teammate</h2>
        <InviteForm onInvited={load} />
      </section>

      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}

      <section className="card">
        <h2>Invitations</h2>
        {reissued ? <CopyLink email={reissued.email} url={reissued.url} /> : null}
        {invitations === null ? (
          <p className="muted">Loading…</p>
        ) : invitations.length === 0 ? (
          <p className="muted">No invitations yet.</p>
        ) : (
          <table aria-label="Invitations">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Accepted</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {invitations.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{i.role}</td>
                  <td>
                    <span className={`status ${i.status}`}>{i.status}</span>
                  </td>
                  <td>{fmt(i.expires_at)}</td>
                  <td>{fmt(i.accepted_at)}</td>
                  <td>
                    {i.status === "pending" ? (
                      <button type="button" className="danger" onClick={() => act(`/api/invitations/${i.id}/revoke`)}>
                        Revoke
                      </button>
                    ) : null}{" "}
                    {i.status !== "accepted" ? (
                      <button type="button" className="secondary" onClick={() => act(`/api/invitations/${i.id}/reissue`)}>
                        Re-issue
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <h2>Users</h2>
        {users === null ? (
          <p className="muted">Loading…</p>
        ) : (
          <table aria-label="Users">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>
                    {u.id === currentUserId ? (
                      u.role
                    ) : (
                      <select aria-label={`Role of ${u.email}`} value={u.role} onChange={(e) => act(`/api/users/${u.id}`, { role: e.target.value }, "PATCH")}>
                        <option value="member">member</option>
                        <option value="admin">admin</option>
                      </select>
                    )}
                  </td>
                  <td>
                    <span className={`status ${u.status}`}>{u.status}</span>
                  </td>
                  <td>
                    {u.id === currentUserId ? (
                      <span className="muted">you</span>
                    ) : (
                      <button
                        type="button"
                        className={u.status === "disabled" ? "secondary" : "danger"}
                        onClick={() => act(`/api/users/${u.id}`, { disabled: u.status !== "disabled" }, "PATCH")}
                      >
                        {u.status === "disabled" ? "Enable" : "Disable"}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card">
        <h2>Recent activity</h2>
        {events === null ? (
          <p className="muted">Loading…</p>
        ) : events.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <table aria-label="Recent activity">
            <thead>
              <tr>
                <th>When</th>
                <th>What</th>
                <th>Who</th>
                <th>Whom</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{fmt(e.created_at)}</td>
                  <td>{e.action}</td>
                  <td>{e.actor ?? "—"}</td>
                  <td>{e.target ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
