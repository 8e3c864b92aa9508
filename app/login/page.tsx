import { redirect } from "next/navigation";
import { LoginForm } from "@/components/login-form";
import { mailEnabled } from "@/lib/env";
import { safeNextPath } from "@/lib/safe-next";
import { currentSession } from "../current-user";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNextPath((await searchParams).next);
  if (await currentSession()) redirect(next);
  return (
    <section className="card narrow">
      <h1>Sign in</h1>
      <LoginForm next={next} forgotPassword={mailEnabled()} />
    </section>
  );
}
