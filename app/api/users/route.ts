import { z } from "zod";
import { getDb } from "@/db";
import { requireAccess } from "@/lib/authz";
import { apiError, json, parseWith, route } from "@/lib/http";
import { tr } from "@/lib/i18n/request-locale";
import { roleSchema } from "@/lib/invitations";
import { decodeCursor } from "@/lib/keyset";
import { listUsers, MAX_USERS_PAGE, USER_STATUSES, userJson } from "@/lib/users";

// Every parameter at most once; an unknown one is refused rather than silently ignored. An empty
// value (`?q=` from an empty search box) means the parameter is absent.
const querySchema = z
  .object({
    q: z.string().trim().min(3, "q must be at least 3 characters.").max(254, "q must be at most 254 characters.").optional(),
    role: roleSchema.optional(),
    status: z.enum(USER_STATUSES).optional(),
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, "limit must be a whole number from 1 to 100.")
      .transform(Number)
      .pipe(z.number().int().min(1, "limit must be from 1 to 100.").max(MAX_USERS_PAGE, "limit must be from 1 to 100."))
      .optional(),
    cursor: z.string().max(200, "cursor is not valid.").optional(),
  })
  .strict();

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
  const parsed = parseWith(querySchema, raw);
  if (!parsed.ok) return parsed.response;
  const { cursor, ...filters } = parsed.data;
  const after = cursor === undefined ? null : decodeCursor("users", cursor);
  if (cursor !== undefined && !after) return apiError("invalid_request", tr("api.users_query.cursor"));

  const found = await listUsers(db, { ...filters, after });
  return json({ users: found.users.map(userJson), next_cursor: found.nextCursor });
});
