import "server-only";
import { cookies } from "next/headers";
import { connection } from "next/server";
import { getDb } from "@/db";
import { sessionCookieName, validateSessionToken, type ValidSession } from "@/lib/auth/session";

/** The signed-in user for a server component (pages are dynamic: never prerendered at build). */
export async function currentSession(): Promise<ValidSession | null> {
  await connection();
  const token = (await cookies()).get(sessionCookieName())?.value;
  if (!token) return null;
  return validateSessionToken(await getDb(), token);
}
