import { notFound } from "next/navigation";
import { connection } from "next/server";
import { ForgotPasswordForm } from "@/components/forgot-password-form";
import { mailEnabled } from "@/lib/env";

export const metadata = { title: "Reset your password" };

export default async function ForgotPasswordPage() {
  // Decided per request, not at build time: email may be turned on or off by the environment.
  await connection();
  if (!mailEnabled()) notFound();
  return (
    <section className="card narrow">
      <h1>Reset your password</h1>
      <ForgotPasswordForm />
    </section>
  );
}
