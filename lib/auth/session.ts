import { and, desc, eq, gt, isNull, ne, sql } from "drizzle-orm";
import { keepPlanned, type DB } from "../../db";
import { sessions, users, type Role } from "../../db/schema";
import { audit, type RequestMeta } from "../audit";
import { env, isHttpsApp } from "../env";
import { rows } from "../rate-limit";
import { randomSecret, SECRET_PATTERN, sha256Hex } from "./tokens";
import { describeUserAgent } from "./user-agent";

// A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256.

export type SessionUser = { id: string; email: string; role: Role };
export type ValidSession = {
  sessionId: string;
  user: SessionUser;
  expiresAt: Date;
  /** The password was proven on this session within REAUTH_MAX_AGE_SECONDS (by the database's clock). */
  fresh: boolean;
};
/** Where a session was signed in from (lib/http.ts requestMeta). */
export type SessionOrigin = { ip?: string | null; userAgent?: string | null };

/**
 * A new session for a user who just proved their password (sign-in, claim, password change): its
 * absolute end is SESSION_TTL_SECONDS from now and is never extended. Only the token's hash, the
 * client IP and a short user-agent description are stored.
 */
export async function createSession(db: DB, userId: string, origin: SessionOrigin = {}): Promise<{ token: string; expiresAt: Date }> {
  const token = randomSecret(32);
  const expiresAt = new Date(Date.now() + env().SESSION_TTL_SECONDS * 1000);
  await keepPlanned(
    db,
    "insert_session",
    db.insert(sessions).values({
      userId,
      tokenHash: sha256Hex(token),
      expiresAt,
      ip: origin.ip ?? null,
      userAgent: describeUserAgent(origin.userAgent),
    }),
  );
  return { token, expiresAt };
}

/** A live session: not revoked, before its absolute end, used within SESSION_IDLE_SECONDS. */
export function sessionIsLive() {
  return and(
    isNull(sessions.revokedAt),
    gt(sessions.expiresAt, sql`now()`),
    sql`${sessions.lastUsedAt} > now() - make_interval(secs => ${env().SESSION_IDLE_SECONDS})`,
  );
}

/**
 * The user behind a session token, or null when the token is unknown, revoked, past its absolute
 * end, idle for longer than SESSION_IDLE_SECONDS, or its user is disabled or not yet onboarded. Every
 * call reads the database, so a session revoked by any app instance is refused by all of them on
 * its next request. Use refreshes last_used_at at most once a minute (one conditional UPDATE; more
 * often only when SESSION_IDLE_SECONDS is under two minutes), never the expiry.
 */
export async function validateSessionToken(db: DB, token: string | null | undefined): Promise<ValidSession | null> {
  if (!token || !SECRET_PATTERN.test(token)) return null;
  const { REAUTH_MAX_AGE_SECONDS, SESSION_IDLE_SECONDS } = env();
  // last_used_at is written at most once a minute; with an idle timeout under two minutes, every
  // half of it, so a session in use never ends early by more than half its idle timeout.
  const touchAfter = Math.min(60, Math.floor(SESSION_IDLE_SECONDS / 2));
  const [row] = await db
    .select({
      sessionId: sessions.id,
      expiresAt: sessions.expiresAt,
      fresh: sql<boolean>`${sessions.authenticatedAt} > now() - make_interval(secs => ${REAUTH_MAX_AGE_SECONDS})`,
      stale: sql<boolean>`${sessions.lastUsedAt} < now() - make_interval(secs => ${touchAfter})`,
      id: users.id,
      email: users.email,
      role: users.role,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(eq(sessions.tokenHash, sha256Hex(token)), sessionIsLive(), isNull(users.disabledAt), sql`${users.passwordHash} IS NOT NULL`),
    )
    .limit(1);
  if (!row) return null;
  if (row.stale) {
    await db
      .update(sessions)
      .set({ lastUsedAt: sql`now()` })
      .where(and(eq(sessions.id, row.sessionId), sql`${sessions.lastUsedAt} < now() - make_interval(secs => ${touchAfter})`));
  }
  return {
    sessionId: row.sessionId,
    user: { id: row.id, email: row.email, role: row.role },
    expiresAt: row.expiresAt,
    fresh: row.fresh === true,
  };
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

// ---- seeing and ending sessions ----

export type SessionListItem = {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  authenticatedAt: Date;
  /** Whichever comes first: the absolute end, or the idle timeout counted from the last use. */
  endsAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
};

/** A user's live sessions, most recently used first (at most 100); no token hash leaves this function. */
export async function listUserSessions(db: DB, userId: string, currentSessionId: string | null): Promise<SessionListItem[]> {
  const found = await db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastUsedAt: sessions.lastUsedAt,
      authenticatedAt: sessions.authenticatedAt,
      endsAt: sql<Date>`least(${sessions.expiresAt}, ${sessions.lastUsedAt} + make_interval(secs => ${env().SESSION_IDLE_SECONDS}))`.mapWith(
        sessions.expiresAt,
      ),
      ip: sessions.ip,
      userAgent: sessions.userAgent,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), sessionIsLive()))
    .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt))
    .limit(100);
  return found.map((s) => ({ ...s, current: s.id === currentSessionId }));
}

/** A session as the API shows it (GET /api/sessions, GET /api/users/:id/sessions). */
export function sessionJson(s: SessionListItem) {
  return {
    id: s.id,
    user_agent: s.userAgent,
    ip: s.ip,
    created_at: s.createdAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    authenticated_at: s.authenticatedAt.toISOString(),
    expires_at: s.endsAt.toISOString(),
    current: s.current,
  };
}

export type RevokeSessionResult = { ok: true; userId: string; current: boolean } | { ok: false; reason: "session_not_found" };

/**
 * Ends one live session. Its owner may, and so may an active admin; for anyone else the session does
 * not exist (session_not_found, as for an unknown id, so ids cannot be probed). One conditional
 * UPDATE decides (the admin check is part of it, so a demoted admin's request changes nothing), and
 * the "user.session_revoked" event is written in the same transaction with who ended it. The
 * session's next request is refused by every app instance (validateSessionToken reads the row).
 */
export async function revokeSession(
  db: DB,
  input: { sessionId: string; actorUserId: string; currentSessionId: string } & RequestMeta,
): Promise<RevokeSessionResult> {
  return db.transaction(async (tx) => {
    const [ended] = rows<{ user_id: string; user_agent: string | null }>(
      await tx.execute(sql`
        UPDATE sessions SET revoked_at = now()
        WHERE id = ${input.sessionId}::uuid AND revoked_at IS NULL AND expires_at > now()
          AND last_used_at > now() - make_interval(secs => ${env().SESSION_IDLE_SECONDS})
          AND (user_id = ${input.actorUserId}::uuid OR EXISTS (
            SELECT 1 FROM users a WHERE a.id = ${input.actorUserId}::uuid AND a.role = 'admin'
              AND a.disabled_at IS NULL AND a.password_hash IS NOT NULL))
        RETURNING user_id, user_agent`),
    );
    if (!ended) return { ok: false, reason: "session_not_found" } as const;
    const self = ended.user_id === input.actorUserId;
    await audit(tx, {
      action: "user.session_revoked",
      actorUserId: input.actorUserId,
      targetUserId: ended.user_id,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
      // The session's id, never its token or hash.
      details: {
        session_id: input.sessionId,
        by: self ? "owner" : "admin",
        current: input.sessionId === input.currentSessionId,
        user_agent: ended.user_agent,
      },
    });
    return { ok: true, userId: ended.user_id, current: input.sessionId === input.currentSessionId } as const;
  });
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
      .where(and(eq(sessions.userId, userId), sessionIsLive(), ne(sessions.id, keepSessionId)))
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
