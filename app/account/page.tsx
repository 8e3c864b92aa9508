import { ChangePasswordForm } from "@/components/change-password-form";
import { MySessions } from "@/components/my-sessions";
import { requireSignedIn } from "@/components/page-session";
import { env } from "@/lib/env";

export const metadata = { title: "Account" };

export default async function AccountPage() {
  const { user } = await requireSignedIn("/account");
  return (
    <>
      <section className="card">
        <h1>Account</h1>
        <p data-testid="account-whoami">
          Signed in as <strong>{user.email}</strong> ({user.role})
        </p>
      </section>
      <ChangePasswordForm email={user.email} />
      <MySessions idleSeconds={env().SESSION_IDLE_SECONDS} ttlSeconds={env().SESSION_TTL_SECONDS} />
    </>
  );
}
