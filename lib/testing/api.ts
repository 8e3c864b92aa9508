// Helpers for integration tests that call route handlers directly against a real database.
import { randomInt, randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { getDb } from "../../db";
import { invitations, sessions, users, type Role } from "../../db/schema";
import { hashPassword } from "../auth/password";
import { createSession, sessionCookieName } from "../auth/session";
import { createInvitation } from "../invitations";
import { canonicalEmail } from "../email";

export const ORIGIN = "http://localhost:3000";

export function uniqueEmail(prefix = "user"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

/** A password that passes the policy, different every call. */
export function strongPassword(): string {
  return `Velvet-Harbor-${randomUUID().slice(0, 8)}-Quartz!`;
}

type ReqInit = { method?: string; body?: unknown; raw?: string; headers?: Record<string, string>; cookie?: string; ip?: string };

export function request(path: string, init: ReqInit = {}): Request {
  const headers = new Headers(init.headers);
  const method = init.method ?? (init.body !== undefined || init.raw !== undefined ? "POST" : "GET");
  if (method !== "GET" && !headers.has("origin") && !("origin" in (init.headers ?? {}))) headers.set("origin", ORIGIN);
  if ((init.body !== undefined || init.raw !== undefined) && !headers.has("content-type")) headers.set("content-type", "application/json");
  if (init.cookie) headers.set("cookie", init.cookie);
  // A random client address unless the test names one, so per-IP limits never carry over between
  // runs on a shared Postgres database.
  headers.set("x-forwarded-for", init.ip ?? `198.18.${randomInt(256)}.${randomInt(256)}`);
  return new Request(new URL(path, ORIGIN), {
    method,
    headers,
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
}

export async function body<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The session token from a response's Set-Cookie, as a Cookie header value. */
export function cookieFrom(res: Response): string | null {
  const set = res.headers.get("set-cookie");
  if (!set) return null;
  const first = set.split(";")[0];
  return first.endsWith("=") ? null : first;
}

export async function createUserWithSession(role: Role = "admin", email = uniqueEmail(role)) {
  const db = await getDb();
  const password = strongPassword();
  const [user] = await db.insert(users).values({ email, emailCanonical: canonicalEmail(email), role, passwordHash: await hashPassword(password) }).returning();
  const session = await createSession(db, user.id);
  return { user, password, cookie: `${sessionCookieName()}=${session.token}`, token: session.token };
}

export async function inviteUser(email = uniqueEmail("invitee"), role: Role = "member", expiresInSeconds?: number) {
  const db = await getDb();
  const created = await createInvitation(db, { email, role, createdBy: null, expiresInSeconds });
  if (!created.ok) throw new Error(created.reason);
  const secret = new URL(created.invitation.url).searchParams.get("token")!;
  return { ...created.invitation, secret };
}

export async function snapshot(userId: string) {
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  const invs = await db.select().from(invitations).where(eq(invitations.userId, userId));
  const sess = await db.select().from(sessions).where(eq(sessions.userId, userId));
  return { user, invitations: invs, sessions: sess };
}
