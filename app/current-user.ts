import "server-only";
import { headers } from "next/headers";
import { connection } from "next/server";
import { getDb } from "@/db";
import { sessionTokenFromCookieHeader, validateSessionToken, type ValidSession } from "@/lib/auth/session";

/**
 * The signed-in user for a server component (pages are dynamic: never prerendered at build). Reads
 * the raw Cookie header, not `cookies().get()` (which picks one of two same-named cookies): a
 * duplicated session cookie means signed out, as on the API.
 */
export async function currentSession(): Promise<ValidSession | null> {
  await connection();
  const token = sessionTokenFromCookieHeader((await headers()).get("cookie"));
  if (!token) return null;
  return validateSessionToken(await getDb(), token);
}
