import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { LoginForm } from "@/components/login-form";
import { mailEnabled } from "@/lib/env";
import { safeNextPath } from "@/lib/safe-next";
import { currentSession } from "../current-user";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("auth.login");
  return { title: t("title") };
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNextPath((await searchParams).next);
  if (await currentSession()) redirect(next);
  const t = await getTranslations("auth.login");
  return (
    <section className="card narrow">
      <h1>{t("heading")}</h1>
      <LoginForm next={next} forgotPassword={mailEnabled()} />
    </section>
  );
}
