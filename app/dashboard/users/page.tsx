import { Suspense } from "react";
import { requireAdminPage } from "@/components/page-session";
import { UsersView } from "@/components/users-view";
import { mailEnabled } from "@/lib/env";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const { user } = await requireAdminPage("/dashboard/users");
  return (
    <Suspense fallback={<p className="loading">Loading…</p>}>
      <UsersView currentUserId={user.id} email={mailEnabled() ? "on" : "off"} />
    </Suspense>
  );
}
