import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Suspense } from "react";
import { requireAdminPage } from "@/components/page-session";
import { UsersView } from "@/components/users-view";
import { mailEnabled } from "@/lib/env";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("admin.pages");
  return { title: t("users") };
}

export default async function UsersPage() {
  const { user } = await requireAdminPage("/dashboard/users");
  const t = await getTranslations("admin.list");
  return (
    <Suspense fallback={<p className="loading">{t("loading")}</p>}>
      <UsersView currentUserId={user.id} email={mailEnabled() ? "on" : "off"} />
    </Suspense>
  );
}
