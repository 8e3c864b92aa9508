import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { AuditView } from "@/components/audit-view";
import { requireAdminPage } from "@/components/page-session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("audit.page");
  return { title: t("title") };
}

export default async function AuditPage() {
  await requireAdminPage("/dashboard/audit");
  const t = await getTranslations("admin.list");
  return (
    <Suspense fallback={<p className="loading">{t("loading")}</p>}>
      <AuditView />
    </Suspense>
  );
}
