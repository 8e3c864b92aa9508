import "server-only";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { currentSession } from "@/app/current-user";

/** One session check per request, shared by the header and the page. */
export const pageSession = cache(currentSession);

/** The signed-in user, or a redirect to the login page that comes back to `path`. */
export async function requireSignedIn(path: string) {
  const session = await pageSession();
  if (!session) redirect(`/login?next=${path}`);
  return session;
}

/** Admin pages: a member gets the 404 page, before anything is rendered or fetched. */
export async function requireAdminPage(path: string) {
  const session = await requireSignedIn(path);
  if (session.user.role !== "admin") notFound();
  return session;
}
