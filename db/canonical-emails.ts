import { sql } from "drizzle-orm";
import { canonicalEmail } from "../lib/email";
import type { DB } from "./index";

const rows = <T>(result: unknown): T[] => ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];

export class EmailCollisionError extends Error {
  name = "EmailCollisionError";
}

/**
 * Fills users.email_canonical where migration 0001 left it empty, then makes it NOT NULL. Runs after
 * the migrations on every start (a no-op once done), under the migration lock. Addresses that were
 * distinct under lower() but are one address once folded (ΟΔΟΣ@… and οδος@…, STRASSE@… and
 * straße@…) are never merged silently: the start fails, naming them, and nothing is written.
 */
export async function backfillCanonicalEmails(db: DB): Promise<number> {
  const filled = (await isNullable(db, "users")) ? await backfillUsers(db) : 0;
  // Migration 0002 copies the address onto each invitation (search without a join).
  if (await isNullable(db, "invitations")) {
    await db.transaction(async (tx) => {
      await tx.execute(sql`UPDATE invitations i SET email_canonical = u.email_canonical FROM users u
        WHERE u.id = i.user_id AND i.email_canonical IS NULL`);
      await tx.execute(sql`ALTER TABLE invitations ALTER COLUMN email_canonical SET NOT NULL`);
    });
  }
  return filled;
}

async function isNullable(db: DB, table: "users" | "invitations"): Promise<boolean> {
  const [column] = rows<{ is_nullable: string }>(
    await db.execute(sql`SELECT is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ${table} AND column_name = 'email_canonical'`),
  );
  return column?.is_nullable === "YES";
}

async function backfillUsers(db: DB): Promise<number> {
  return db.transaction(async (tx) => {
    const all = rows<{ id: string; email: string; email_canonical: string | null }>(
      await tx.execute(sql`SELECT id, email, email_canonical FROM users ORDER BY created_at, id FOR UPDATE`),
    );
    const byCanonical = new Map<string, string[]>();
    for (const u of all) {
      const c = u.email_canonical ?? canonicalEmail(u.email.trim());
      byCanonical.set(c, [...(byCanonical.get(c) ?? []), `${u.email} (id ${u.id})`]);
    }
    const collisions = [...byCanonical.values()].filter((group) => group.length > 1);
    if (collisions.length) {
      throw new EmailCollisionError(
        "Cannot finish migration 0001_email_canonical: these accounts' addresses are the same address once " +
          "Unicode forms and letter case are folded, and merging them silently could hand one person's " +
          `account to another: ${collisions.map((g) => g.join(" = ")).join("; ")}. ` +
          "Change or delete all but one of each (UPDATE users SET email = … WHERE id = …), then start again. Nothing was changed.",
      );
    }
    const pending = all.filter((u) => u.email_canonical === null);
    for (let i = 0; i < pending.length; i += 1000) {
      const chunk = pending.slice(i, i + 1000);
      const values = sql.join(
        chunk.map((u) => sql`(${u.id}::uuid, ${canonicalEmail(u.email.trim())})`),
        sql`, `,
      );
      await tx.execute(sql`UPDATE users SET email_canonical = v.c FROM (VALUES ${values}) AS v(id, c) WHERE users.id = v.id`);
    }
    await tx.execute(sql`ALTER TABLE users ALTER COLUMN email_canonical SET NOT NULL`);
    return pending.length;
  });
}
