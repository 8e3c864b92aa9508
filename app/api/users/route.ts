import { getDb } from "@/db";
import { respond } from "@/lib/api/respond";
import { userListQuery, userListResponse } from "@/lib/api/schemas";
import { requireAccess } from "@/lib/authz";
import { apiError, parseWith, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { decodeCursor } from "@/lib/keyset";
import { listUsers, userJson } from "@/lib/users";

// Every parameter at most once; an unknown one is refused rather than silently ignored. An empty
// value (`?q=` from an empty search box) means the parameter is absent.
export const GET = route(async (request) => {
  const db = await getDb();
  const auth = await requireAccess(db, request, "GET /api/users");
  if (!auth.ok) return auth.response;

  const params = new URL(request.url).searchParams;
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in raw) return apiError("invalid_request", tr("api.users_query.repeated", { key }));
    if (value !== "") raw[key] = value;
  }
  const parsed = parseWith(userListQuery, raw);
  if (!parsed.ok) return parsed.response;
  const { cursor, ...filters } = parsed.data;
  const after = cursor === undefined ? null : decodeCursor("users", cursor);
  if (cursor !== undefined && !after) return apiError("invalid_request", tr("api.users_query.cursor"));

  const found = await listUsers(db, { ...filters, after });
  return respond(userListResponse, { users: found.users.map(userJson), next_cursor: found.nextCursor });
});
