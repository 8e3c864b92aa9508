import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { ChangePasswordForm } from "@/components/change-password-form";
import { MySessions } from "@/components/my-sessions";
import { requireSignedIn } from "@/components/page-session";
import { env } from "@/lib/env";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("auth.account");
  return { title: t("title") };
}

export default async function AccountPage() {
  const { user } = await requireSignedIn("/account");
  const t = await getTranslations("auth.account");
  return (
    <>
      <section className="card">
        <h1>{t("heading")}</h1>
        <p data-testid="account-whoami">
          {t.rich("signedInAs", { email: user.email, role: t(`role.${user.role}`), strong: (chunks) => <strong>{chunks}</strong> })}
        </p>
      </section>
      <ChangePasswordForm email={user.email} />
      <MySessions idleSeconds={env().SESSION_IDLE_SECONDS} ttlSeconds={env().SESSION_TTL_SECONDS} />
    </>
  );
}
