import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { auditSentence } from "@/components/audit-sentence";
import { requireSignedIn } from "@/components/page-session";
import { RelativeTime } from "@/components/relative-time";
import { getDb } from "@/db";
import { overviewCounts, recentEvents, teamAdmins } from "@/lib/overview";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("admin.pages");
  return { title: t("overview") };
}

export default async function OverviewPage() {
  const { user } = await requireSignedIn("/dashboard");
  const t = await getTranslations("admin.overview");
  const tRoles = await getTranslations("admin.roles");
  const role = user.role === "admin" || user.role === "member" ? tRoles(user.role) : user.role;
  const whoami = <p data-testid="whoami">{t.rich("whoami", { email: user.email, role, b: (chunks) => <strong>{chunks}</strong> })}</p>;

  if (user.role !== "admin") {
    const admins = await teamAdmins(await getDb());
    return (
      <>
        <section className="card">
          <h1>{t("title")}</h1>
          {whoami}
        </section>
        <section className="card" aria-labelledby="admins-title">
          <h2 id="admins-title">{t("adminsTitle")}</h2>
          <p className="muted">{t("adminsHint")}</p>
          {admins.length === 0 ? (
            <p className="empty">{t("noAdmins")}</p>
          ) : (
            <ul className="plain-list" aria-label={t("adminsLabel")}>
              {admins.map((a) => (
                <li key={a}>
                  <a href={`mailto:${a}`}>{a}</a>
                </li>
              ))}
            </ul>
          )}
        </section>
        <p className="muted">{t.rich("sessionsOnAccount", { link: (chunks) => <Link href="/account">{chunks}</Link> })}</p>
      </>
    );
  }

  const [counts, events] = await Promise.all([overviewCounts(await getDb()), recentEvents(await getDb(), 8)]);
  const tAudit = await getTranslations("audit");
  const stat = (key: "pending" | "accepted" | "expired" | "active" | "invited" | "disabled", value: number, href: string) => (
    <div className="stat">
      <dt>{t(`stats.${key}`)}</dt>
      <dd>
        <Link href={href} aria-label={t(`stats.${key}Count`, { count: value })}>
          {value}
        </Link>
      </dd>
    </div>
  );
  return (
    <>
      <section className="card">
        <div className="page-head">
          <h1>{t("title")}</h1>
          <Link className="button" href="/dashboard/invitations">
            {t("inviteSomeone")}
          </Link>
        </div>
        {whoami}
      </section>
      <div className="grid-2">
        <section className="card" aria-labelledby="inv-title">
          <h2 id="inv-title">{t("invitations")}</h2>
          <dl className="stats">
            {stat("pending", counts.invitations.pending, "/dashboard/invitations?status=pending")}
            {stat("accepted", counts.invitations.accepted, "/dashboard/invitations?status=accepted")}
            {stat("expired", counts.invitations.expired, "/dashboard/invitations?status=expired")}
          </dl>
        </section>
        <section className="card" aria-labelledby="users-title">
          <h2 id="users-title">{t("users")}</h2>
          <dl className="stats">
            {stat("active", counts.users.active, "/dashboard/users?status=active")}
            {stat("invited", counts.users.pending, "/dashboard/users?status=pending")}
            {stat("disabled", counts.users.disabled, "/dashboard/users?status=disabled")}
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="activity-title">
        <div className="page-head">
          <h2 id="activity-title">{t("activity")}</h2>
          <Link href="/dashboard/audit">{t("fullAuditLog")}</Link>
        </div>
        {events.length === 0 ? (
          <p className="empty">{t("nothingYet")}</p>
        ) : (
          <ul className="activity" aria-label={t("activity")}>
            {events.map((e) => (
              <li key={e.id}>
                <span>{auditSentence(e, tAudit)}</span>
                <RelativeTime iso={e.created_at} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
