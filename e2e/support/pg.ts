// Postgres helpers for the specs that run servers on E2E_DATABASE_URL.
import pg from "pg";

/** A client of its own for `fn`, always closed afterwards. */
export async function withClient<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** Empties the database (the app's tables and drizzle's migration record): the servers migrate it afresh. */
export const FRESH_SCHEMA_SQL = "DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS drizzle CASCADE; CREATE SCHEMA public;";

export function freshSchema(url: string) {
  return withClient(url, (db) => db.query(FRESH_SCHEMA_SQL));
}
