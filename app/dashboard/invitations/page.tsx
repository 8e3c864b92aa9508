import { Suspense } from "react";
import { InvitationsView } from "@/components/invitations-view";
import { requireAdminPage } from "@/components/page-session";

export const metadata = { title: "Invitations" };

export default async function InvitationsPage() {
  await requireAdminPage("/dashboard/invitations");
  return (
    <>
      <h1>Invitations</h1>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <InvitationsView />
      </Suspense>
    </>
  );
}
