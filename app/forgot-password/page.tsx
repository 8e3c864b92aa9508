import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { connection } from "next/server";
import { ForgotPasswordForm } from "@/components/forgot-password-form";
import { mailEnabled } from "@/lib/env";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("auth.forgot");
  return { title: t("title") };
}

export default async function ForgotPasswordPage() {
  // Decided per request, not at build time: email may be turned on or off by the environment.
  await connection();
  if (!mailEnabled()) notFound();
  const t = await getTranslations("auth.forgot");
  return (
    <section className="card narrow">
      <h1>{t("heading")}</h1>
      <ForgotPasswordForm />
    </section>
  );
}
