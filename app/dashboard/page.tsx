import { redirect } from "next/navigation";
import { LogoutButton } from "@/components/logout-button";
import { MySessions } from "@/components/my-sessions";
import { TeamAdmin } from "@/components/team-admin";
import { currentSession } from "../current-user";

export const metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const session = await currentSession();
  if (!session) redirect("/login?next=/dashboard");
  const { user } = session;
  return (
    <>
      <section className="card">
        <div className="row center">
          <div>
            <h1>Dashboard</h1>
            <p data-testid="whoami">
              Signed in as <strong>{user.email}</strong> ({user.role})
            </p>
          </div>
          <div className="shrink">
            <LogoutButton />
          </div>
        </div>
      </section>
      {user.role === "admin" ? <TeamAdmin currentUserId={user.id} /> : <p className="muted">Ask an admin if you need to invite someone.</p>}
      <MySessions />
    </>
  );
}
