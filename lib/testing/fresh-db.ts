// Tests that need an EMPTY database (no active admin yet, exactly two admins, …) get one here, on
// both drivers, so the races they check also run on real Postgres, where transactions overlap
// (on PGlite they take turns, which can hide a check-then-write bug).
import { randomBytes } from "node:crypto";
import { closeDb } from "../../db";

const baseUrl = process.env.DATABASE_URL || undefined;
const created: string[] = [];

/**
 * Points getDb() at a new, empty database, migrated on first use: a new in-memory PGlite, or on
 * Postgres a new database beside DATABASE_URL's (the test role has CREATEDB; scripts/pg-test-db.sh).
 */
export async function freshDatabase(): Promise<void> {
  await closeDb();
  if (!baseUrl) {
    process.env.PGLITE_DIR = "memory://";
    return;
  }
  const url = new URL(baseUrl);
  const name = `${url.pathname.slice(1).slice(0, 40)}_f${randomBytes(6).toString("hex")}`;
  await admin(`CREATE DATABASE "${name}"`);
  created.push(name);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
}

/** Back to the file's own database; drops every database freshDatabase created. Call in afterAll. */
export async function dropFreshDatabases(): Promise<void> {
  await closeDb();
  if (!baseUrl) return;
  process.env.DATABASE_URL = baseUrl;
  while (created.length) await admin(`DROP DATABASE IF EXISTS "${created.pop()}" WITH (FORCE)`);
}

async function admin(statement: string): Promise<void> {
  const { Client } = await import("pg");
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
