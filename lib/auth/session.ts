import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import type { DB } from "../../db";
import { sessions, users, type Role } from "../../db/schema";
import { audit, type RequestMeta } from "../audit";
import { env, isHttpsApp } from "../env";
import { randomSecret, SECRET_PATTERN, sha256Hex } from "./tokens";

// A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256.

export type SessionUser = { id: string; email: string; role: Role };
export type ValidSession = { sessionId: string; user: SessionUser; expiresAt: Date };

export async function createSession(db: DB, userId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomSecret(32);
  const expiresAt = new Date(Date.now() + env().SESSION_TTL_SECONDS * 1000);
  await db.insert(sessions).values({ userId, tokenHash: sha256Hex(token), expiresAt });
  return { token, expiresAt };
}

/**
 * The user behind a session token, or null when the token is unknown, expired, revoked or its user
 * is disabled or not yet onboarded. Sliding expiry: a session past half its life is extended.
 */
export async function validateSessionToken(db: DB, token: string | null | undefined): Promise<ValidSession | null> {
  if (!token || !SECRET_PATTERN.test(token)) return null;
  const [row] = await db
    .select({
      sessionId: sessions.id,
      expiresAt: sessions.expiresAt,
      id: users.id,
      email: users.email,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.tokenHash, sha256Hex(token)),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, sql`now()`),
        isNull(users.disabledAt),
        sql`${users.passwordHash} IS NOT NULL`,
      ),
    )
    .limit(1);
  if (!row) return null;
  const ttl = env().SESSION_TTL_SECONDS * 1000;
  let expiresAt = row.expiresAt;
  if (expiresAt.getTime() - Date.now() < ttl / 2) {
    expiresAt = new Date(Date.now() + ttl);
    await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, row.sessionId));
  }
  return { sessionId: row.sessionId, user: { id: row.id, email: row.email, role: row.role }, expiresAt };
}

export async function revokeSessionToken(db: DB, token: string | null | undefined): Promise<void> {
  if (!token || !SECRET_PATTERN.test(token)) return;
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.tokenHash, sha256Hex(token)), isNull(sessions.revokedAt)));
}

export async function revokeUserSessions(db: DB, userId: string): Promise<void> {
  await db
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
}

// ---- cookie ----

/** `__Host-` binds the cookie to this exact host over https (no Domain, Path=/, Secure). */
export function sessionCookieName(): string {
  return isHttpsApp() ? "__Host-session" : "session";
}

export function sessionCookie(token: string, expiresAt: Date): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return serializeCookie(sessionCookieName(), token, maxAge, expiresAt);
}

export function clearedSessionCookie(): string {
  return serializeCookie(sessionCookieName(), "", 0, new Date(0));
}

export function serializeCookie(name: string, value: string, maxAge: number, expires: Date): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`, `Expires=${expires.toUTCString()}`];
  if (isHttpsApp()) parts.push("Secure");
  return parts.join("; ");
}

/**
 * The value of the cookie `name` in a Cookie header; null when it is absent, empty, or appears more
 * than once. A browser sends every cookie that matches the request, so two with one name means one
 * was set by someone else (a sibling subdomain can plant a `Domain=` cookie on plain http, and the
 * browser may send it first); neither can be trusted to be ours.
 */
export function singleCookieValue(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  let value: string | null = null;
  let seen = 0;
  for (const part of header.split(";")) {
    const eqAt = part.indexOf("=");
    if (eqAt === -1 || part.slice(0, eqAt).trim() !== name) continue;
    if (++seen > 1) return null;
    value = part.slice(eqAt + 1).trim() || null;
  }
  return value;
}

/** The session token from a Cookie header; none when the session cookie is missing or duplicated. */
export function sessionTokenFromCookieHeader(header: string | null | undefined): string | null {
  return singleCookieValue(header, sessionCookieName());
}

// ---- a user's own sessions ----

export type SessionListItem = { id: string; createdAt: Date; expiresAt: Date; current: boolean };

/** The user's live sessions, newest first; no token hash leaves this function. */
export async function listUserSessions(db: DB, userId: string, currentSessionId: string): Promise<SessionListItem[]> {
  const found = await db
    .select({ id: sessions.id, createdAt: sessions.createdAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
    .orderBy(desc(sessions.createdAt))
    .limit(100);
  return found.map((s) => ({ ...s, current: s.id === currentSessionId }));
}

/**
 * Signs the user out everywhere but here, and records it as one "user.sessions_revoked" event (in the
 * same transaction) with how many sessions ended. Returns that number.
 */
export async function revokeOtherSessions(db: DB, userId: string, keepSessionId: string, meta: RequestMeta = {}): Promise<number> {
  return db.transaction(async (tx) => {
    const revoked = await tx
      .update(sessions)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), ne(sessions.id, keepSessionId)))
      .returning({ id: sessions.id });
    await audit(tx, {
      action: "user.sessions_revoked",
      actorUserId: userId,
      targetUserId: userId,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent ?? null,
      details: { scope: "others", revoked: revoked.length },
    });
    return revoked.length;
  });
}

/** Deletes sessions that ended (expired or revoked) more than 30 days ago. */
export async function pruneSessions(db: DB): Promise<void> {
  await db.execute(
    sql`DELETE FROM sessions WHERE expires_at < now() - interval '30 days' OR revoked_at < now() - interval '30 days'`,
  );
}
