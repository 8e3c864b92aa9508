import Link from "next/link";
import { auditSentence } from "@/components/audit-sentence";
import { requireSignedIn } from "@/components/page-session";
import { RelativeTime } from "@/components/relative-time";
import { getDb } from "@/db";
import { overviewCounts, recentEvents, teamAdmins } from "@/lib/overview";

export const metadata = { title: "Overview" };

export default async function OverviewPage() {
  const { user } = await requireSignedIn("/dashboard");
  const whoami = (
    <p data-testid="whoami">
      Signed in as <strong>{user.email}</strong> ({user.role})
    </p>
  );

  if (user.role !== "admin") {
    const admins = await teamAdmins(await getDb());
    return (
      <>
        <section className="card">
          <h1>Overview</h1>
          {whoami}
        </section>
        <section className="card" aria-labelledby="admins-title">
          <h2 id="admins-title">Your team&apos;s admins</h2>
          <p className="muted">To invite someone or change a role, ask one of them.</p>
          {admins.length === 0 ? (
            <p className="empty">No active admin right now.</p>
          ) : (
            <ul className="plain-list" aria-label="Admins">
              {admins.map((a) => (
                <li key={a}>
                  <a href={`mailto:${a}`}>{a}</a>
                </li>
              ))}
            </ul>
          )}
        </section>
        <p className="muted">
          Your sessions are on your <Link href="/account">Account</Link> page.
        </p>
      </>
    );
  }

  const [counts, events] = await Promise.all([overviewCounts(await getDb()), recentEvents(await getDb(), 8)]);
  const stat = (label: string, value: number, href: string) => (
    <div className="stat">
      <dt>{label}</dt>
      <dd>
        <Link href={href} aria-label={`${value} ${label.toLowerCase()}`}>
          {value}
        </Link>
      </dd>
    </div>
  );
  return (
    <>
      <section className="card">
        <div className="page-head">
          <h1>Overview</h1>
          <Link className="button" href="/dashboard/invitations">
            Invite someone
          </Link>
        </div>
        {whoami}
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="inv-title">
          <h2 id="inv-title">Invitations</h2>
          <dl className="stats">
            {stat("Pending", counts.invitations.pending, "/dashboard/invitations?status=pending")}
            {stat("Accepted", counts.invitations.accepted, "/dashboard/invitations?status=accepted")}
            {stat("Expired", counts.invitations.expired, "/dashboard/invitations?status=expired")}
          </dl>
        </section>
        <section className="card" aria-labelledby="users-title">
          <h2 id="users-title">Users</h2>
          <dl className="stats">
            {stat("Active", counts.users.active, "/dashboard/users?status=active")}
            {stat("Invited", counts.users.pending, "/dashboard/users?status=pending")}
            {stat("Disabled", counts.users.disabled, "/dashboard/users?status=disabled")}
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="activity-title">
        <div className="page-head">
          <h2 id="activity-title">Latest activity</h2>
          <Link href="/dashboard/audit">Full audit log</Link>
        </div>
        {events.length === 0 ? (
          <p className="empty">Nothing has happened yet.</p>
        ) : (
          <ul className="activity" aria-label="Latest activity">
            {events.map((e) => (
              <li key={e.id}>
                <span>{auditSentence(e)}</span>
                <RelativeTime iso={e.created_at} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
