import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { InvitationsView } from "@/components/invitations-view";
import { requireAdminPage } from "@/components/page-session";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("admin.pages");
  return { title: t("invitations") };
}

export default async function InvitationsPage() {
  await requireAdminPage("/dashboard/invitations");
  const t = await getTranslations("admin");
  return (
    <>
      <h1>{t("pages.invitations")}</h1>
      <Suspense fallback={<p className="loading">{t("list.loading")}</p>}>
        <InvitationsView />
      </Suspense>
    </>
  );
}
