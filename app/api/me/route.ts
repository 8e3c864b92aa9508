import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { json, route } from "@/lib/http";

export const GET = route(async (request) => {
  const auth = await requireUser(await getDb(), request);
  if (!auth.ok) return auth.response;
  return json({ user: auth.session.user });
});
