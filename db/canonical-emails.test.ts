// Migration 0001 adds users.email_canonical; the backfill computes it in TypeScript and refuses to
// merge addresses that were two accounts under lower() but are one address once folded.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { rows } from "../lib/rate-limit";
import { dropFreshDatabases, freshDatabase } from "../lib/testing/fresh-db";
import { backfillCanonicalEmails, EmailCollisionError } from "./canonical-emails";
import type { DB } from "./index";

const real = path.join(process.cwd(), "db", "migrations");
afterAll(dropFreshDatabases);

/** A migrations folder holding only the first `n` migrations. */
function firstMigrations(n: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "migrations-"));
  const journal = JSON.parse(fs.readFileSync(path.join(real, "meta", "_journal.json"), "utf8"));
  journal.entries = journal.entries.slice(0, n);
  fs.mkdirSync(path.join(dir, "meta"));
  fs.writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(real, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/** An empty database on the driver under test, with a migrate(folder) of its own. */
async function emptyDatabase(): Promise<{ db: DB; migrate(folder: string): Promise<void>; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    await freshDatabase();
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    const db = drizzle(pool);
    return { db: db as unknown as DB, migrate: (folder) => migrate(db, { migrationsFolder: folder }), close: () => pool.end() };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const client = new PGlite({ extensions: { pg_trgm } });
  const db = drizzle(client);
  return { db: db as unknown as DB, migrate: (folder) => migrate(db, { migrationsFolder: folder }), close: () => client.close() };
}

describe("backfillCanonicalEmails", () => {
  it("refuses colliding addresses, naming them, and writes nothing; once one is renamed it fills and locks the column", async () => {
    const { db, migrate, close } = await emptyDatabase();
    try {
      await migrate(firstMigrations(1));
      // Two accounts under the old lower(email) index, one address once folded.
      await db.execute(sql`INSERT INTO users (email) VALUES ('ΟΔΟΣ@example.com'), ('οδος@example.com'), ('Carol@example.com')`);
      await migrate(real);

      const failure = await backfillCanonicalEmails(db).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(EmailCollisionError);
      expect((failure as Error).message).toContain("ΟΔΟΣ@example.com");
      expect((failure as Error).message).toContain("οδος@example.com");
      expect((failure as Error).message).not.toContain("Carol@example.com");
      expect((failure as Error).message).toMatch(/Nothing was changed/);
      const after = rows<{ n: number }>(await db.execute(sql`SELECT count(*)::int AS n FROM users WHERE email_canonical IS NOT NULL`));
      expect(after[0].n).toBe(0);

      await db.execute(sql`UPDATE users SET email = 'odos2@example.com' WHERE email = 'οδος@example.com'`);
      expect(await backfillCanonicalEmails(db)).toBe(3);
      const filled = rows<{ email: string; email_canonical: string }>(await db.execute(sql`SELECT email, email_canonical FROM users ORDER BY email`));
      expect(filled.map((r) => r.email_canonical).sort()).toEqual(["carol@example.com", "odos2@example.com", "οδοσ@example.com"]);
      const nullable = rows<{ is_nullable: string }>(
        await db.execute(sql`SELECT is_nullable FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_canonical'`),
      );
      expect(nullable[0].is_nullable).toBe("NO");
      // Done once: a later start does nothing.
      expect(await backfillCanonicalEmails(db)).toBe(0);
      // And the unique index now stops a second spelling.
      await expect(db.execute(sql`INSERT INTO users (email, email_canonical) VALUES ('CAROL@example.com', 'carol@example.com')`)).rejects.toThrow();
    } finally {
      await close();
    }
  });
});
