import { Suspense } from "react";
import { AuditView } from "@/components/audit-view";
import { requireAdminPage } from "@/components/page-session";

export const metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requireAdminPage("/dashboard/audit");
  return (
    <Suspense fallback={<p className="loading">Loading…</p>}>
      <AuditView />
    </Suspense>
  );
}
