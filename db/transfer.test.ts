import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as meGet } from "../app/api/me/route";
import { POST as login } from "../app/api/auth/login/route";
import { POST as claim } from "../app/api/onboarding/claim_token/route";
import { GET as getToken } from "../app/api/onboarding/get_token/route";
import { hashPassword } from "../lib/auth/password";
import { createSession, sessionCookieName } from "../lib/auth/session";
import { canonicalEmail } from "../lib/email";
import { createInvitation, revokeInvitation } from "../lib/invitations";
import { hit, LIMITS, rows } from "../lib/rate-limit";
import { body, cookieFrom, request, strongPassword, uniqueEmail } from "../lib/testing/api";
import { dropFreshDatabases, freshDatabase } from "../lib/testing/fresh-db";
import { closeDb, DatabaseBusyError, getDb, openPglite } from "./index";
import { users } from "./schema";
import { backupPglite, copyInstructions, copyPgliteToPostgres, restorePglite, TABLES, TransferError } from "./transfer";

// npm run db:copy / db:backup / db:restore (db/transfer.ts). A PGlite directory on disk is seeded
// through the app's own functions (an active user with a session, an outstanding invitation, a
// revoked one, audit events, a rate-limit counter), then moved.

const onPostgres = Boolean(process.env.DATABASE_URL);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "transfer-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Seeded = {
  dir: string;
  email: string;
  password: string;
  sessionToken: string;
  inviteSecret: string;
  inviteEmail: string;
  /** Every audit event's id and created_at as text (microseconds), from the source. */
  auditTimes: string[];
};

async function seedPglite(name: string): Promise<Seeded> {
  const dir = path.join(tmp, name, "pglite");
  const handle = await openPglite(dir);
  try {
    const db = handle.db;
    const email = uniqueEmail("mover");
    const password = strongPassword();
    const [admin] = await db
      .insert(users)
      .values({ email, emailCanonical: canonicalEmail(email), role: "admin", passwordHash: await hashPassword(password) })
      .returning();
    const session = await createSession(db, admin.id, { ip: "198.51.100.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0" });
    const inviteEmail = uniqueEmail("invitee");
    // With email on, so the outbox has a row (sealed) to carry over too.
    process.env.SMTP_URL = "smtp://127.0.0.1:9";
    process.env.MAIL_FROM = "no-reply@example.com";
    const invited = await createInvitation(db, { email: inviteEmail, role: "member", createdBy: admin.id }).finally(() => {
      delete process.env.SMTP_URL;
      delete process.env.MAIL_FROM;
    });
    const revoked = await createInvitation(db, { email: uniqueEmail("revoked"), role: "member", createdBy: admin.id });
    if (!invited.ok || !revoked.ok) throw new Error("seed: invitation refused");
    expect((await revokeInvitation(db, revoked.invitation.id, admin.id)).ok).toBe(true);
    await hit(db, LIMITS.loginPerIp, "198.51.100.7");
    const auditTimes = rows<{ t: string }>(await db.execute(sql`SELECT id || ' ' || created_at::text AS t FROM audit_events ORDER BY id`)).map((r) => r.t);
    expect(auditTimes.length).toBeGreaterThanOrEqual(3);
    return {
      dir,
      email,
      password,
      sessionToken: session.token,
      inviteSecret: new URL(invited.invitation.url).searchParams.get("token")!,
      inviteEmail,
      auditTimes,
    };
  } finally {
    await handle.close();
  }
}

/** A lock file naming a live process other than this one: what a running server leaves. */
async function withForeignLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  fs.writeFileSync(`${path.resolve(dir)}.lock`, String(child.pid));
  try {
    return await fn();
  } finally {
    child.kill();
    fs.rmSync(`${path.resolve(dir)}.lock`, { force: true });
  }
}

describe.skipIf(onPostgres)("db:backup / db:restore (PGlite)", () => {
  it("backup, then restore into a new directory: the same rows; refuses a held directory, an existing file, a non-empty target", async () => {
    const seeded = await seedPglite("backup");
    const file = path.join(tmp, "backup.tar.gz");

    await expect(withForeignLock(seeded.dir, () => backupPglite({ pgliteDir: seeded.dir, file }))).rejects.toBeInstanceOf(DatabaseBusyError);
    expect(fs.existsSync(file)).toBe(false);

    const backup = await backupPglite({ pgliteDir: seeded.dir, file });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(backup.tables.map((t) => t.table)).toEqual(TABLES.map((t) => t.name));
    expect(backup.tables.every((t) => t.rows > 0)).toBe(true);
    await expect(backupPglite({ pgliteDir: seeded.dir, file })).rejects.toThrow(/already exists/);

    const restoredDir = path.join(tmp, "restored", "pglite");
    const restored = await restorePglite({ file, pgliteDir: restoredDir });
    // Same count, same ids, same row contents (md5 over every row's JSON), table by table.
    expect(restored.tables).toEqual(backup.tables);
    await expect(restorePglite({ file, pgliteDir: restoredDir })).rejects.toThrow(/not empty/);
    // An empty directory that exists is fine.
    const emptyDir = path.join(tmp, "empty", "pglite");
    fs.mkdirSync(emptyDir, { recursive: true });
    // …but not a file that is no backup; the directory is left empty again.
    const junk = path.join(tmp, "junk.tar.gz");
    fs.writeFileSync(junk, "not a backup");
    await expect(restorePglite({ file: junk, pgliteDir: emptyDir })).rejects.toBeInstanceOf(TransferError);
    expect(fs.readdirSync(emptyDir)).toEqual([]);
  });
});

describe.skipIf(!onPostgres)("db:copy (PGlite → an empty Postgres database)", () => {
  const savedSecret = process.env.AUTH_SECRET;
  let seeded: Seeded;
  let targetUrl: string;
  let fileSecret: string;

  beforeAll(async () => {
    seeded = await seedPglite("copy");
    // What the embedded server generated on its first start (lib/auth/secret.ts).
    fileSecret = "generated-secret-".padEnd(43, "x");
    fs.writeFileSync(path.join(path.dirname(seeded.dir), "auth-secret"), fileSecret, { mode: 0o600 });
    await freshDatabase(); // an empty database; DATABASE_URL now points at it
    targetUrl = process.env.DATABASE_URL!;
  });
  afterAll(async () => {
    process.env.AUTH_SECRET = savedSecret;
    await dropFreshDatabases();
  });

  it("refuses while a server holds the PGlite directory, writing nothing to the target", async () => {
    await expect(withForeignLock(seeded.dir, () => copyPgliteToPostgres({ pgliteDir: seeded.dir, targetUrl }))).rejects.toBeInstanceOf(
      DatabaseBusyError,
    );
    const { Client } = await import("pg");
    const c = new Client({ connectionString: targetUrl });
    await c.connect();
    const { rows: tables } = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    await c.end();
    expect(tables[0].n).toBe(0);
  });

  it("copies every row exactly; the user signs in with the same password, the old session and the outstanding link still work", async () => {
    const result = await copyPgliteToPostgres({ pgliteDir: seeded.dir, targetUrl });
    expect(result.tables.map((t) => t.table)).toEqual(TABLES.map((t) => t.name));
    expect(result.tables.find((t) => t.table === "users")!.rows).toBe(3);
    expect(result.tables.find((t) => t.table === "invitations")!.rows).toBe(2);
    expect(result.tables.find((t) => t.table === "sessions")!.rows).toBe(1);
    expect(result.tables.find((t) => t.table === "rate_limits")!.rows).toBe(1);
    expect(result.authSecret.value).toBe(fileSecret);

    // The operator is told the secret once, as the last line, and nothing else secret.
    const lines = copyInstructions(result, {});
    expect(lines.at(-1)).toBe(`AUTH_SECRET=${fileSecret}`);
    expect(lines.join("\n").split(fileSecret)).toHaveLength(2);

    // The app on the target, with that secret.
    process.env.AUTH_SECRET = fileSecret;
    await closeDb();
    const db = await getDb();
    // Ids and timestamps exactly (microseconds), audit events included.
    const auditTimes = rows<{ t: string }>(await db.execute(sql`SELECT id || ' ' || created_at::text AS t FROM audit_events ORDER BY id`)).map(
      (r) => r.t,
    );
    expect(auditTimes).toEqual(seeded.auditTimes);

    const signedIn = await login(request("/api/auth/login", { body: { email: seeded.email, password: seeded.password } }));
    expect(signedIn.status).toBe(200);
    const me = await meGet(request("/api/me", { cookie: `${sessionCookieName()}=${seeded.sessionToken}` }));
    expect(me.status).toBe(200);
    expect((await body<{ user: { email: string } }>(me)).user.email).toBe(seeded.email);

    const token = await getToken(request(`/api/onboarding/get_token?token=${encodeURIComponent(seeded.inviteSecret)}`));
    expect(token.status).toBe(200);
    const { onboarding_token: jwt } = await body<{ onboarding_token: string }>(token);
    const password = strongPassword();
    const claimed = await claim(
      request("/api/onboarding/claim_token", { body: { token: seeded.inviteSecret, password }, headers: { authorization: `Bearer ${jwt}` } }),
    );
    expect(claimed.status).toBe(200);
    expect(cookieFrom(claimed)).toBeTruthy();
    const invitee = await login(request("/api/auth/login", { body: { email: seeded.inviteEmail, password } }));
    expect(invitee.status).toBe(200);
  });

  it("refuses a target that is not empty", async () => {
    await closeDb();
    await expect(copyPgliteToPostgres({ pgliteDir: seeded.dir, targetUrl })).rejects.toThrow(/not empty.*has rows/);
  });
});

describe("copyInstructions", () => {
  const result = (value: string | null) => ({ tables: [], authSecret: { file: "/srv/app/.data/auth-secret", value } });

  it("prints the generated secret once, as the last line", () => {
    const lines = copyInstructions(result("s3cret-value-0123456789-0123456789-abcdefg"), {});
    expect(lines.at(-1)).toBe("AUTH_SECRET=s3cret-value-0123456789-0123456789-abcdefg");
    expect(lines.filter((l) => l.includes("s3cret-value"))).toHaveLength(1);
  });

  it("never prints a secret from the shell", () => {
    const shell = { AUTH_SECRET: "shell-secret-0123456789-0123456789-abcdef", AUTH_SECRET_PREVIOUS: "previous-secret-0123456789-0123456789-ab" };
    for (const value of [null, "file-secret-0123456789-0123456789-abcdefgh"]) {
      const text = copyInstructions(result(value), shell).join("\n");
      expect(text).not.toContain(shell.AUTH_SECRET);
      expect(text).not.toContain(shell.AUTH_SECRET_PREVIOUS);
    }
    expect(copyInstructions(result(null), shell).join("\n")).toMatch(/used AUTH_SECRET/);
    expect(copyInstructions(result(null), {}).join("\n")).toMatch(/randomBytes\(32\)/);
  });
});
