import { getDb } from "@/db";
import { requireUser } from "@/lib/auth/guard";
import { json, route } from "@/lib/http";
import { listUsers } from "@/lib/users";

export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireUser(db, request, { admin: true });
  if (!auth.ok) return auth.response;
  const users = await listUsers(db);
  return json({ users: users.map(({ createdAt, ...u }) => ({ ...u, created_at: createdAt.toISOString() })) });
});
