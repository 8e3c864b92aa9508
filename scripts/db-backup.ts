// npm run db:backup -- <file>
// Writes the embedded database (PGLITE_DIR, default .data/pglite) to <file>, a gzipped tar of its
// data directory. Refuses while a server holds the directory (stop it first: the backup is then
// consistent), and never overwrites a file. Restore with npm run db:restore -- <file>.
import fs from "node:fs";
import { DatabaseBusyError } from "../db";
import { authSecretFile, backupPglite, TransferError } from "../db/transfer";
import { env } from "../lib/env";

const args = process.argv.slice(2);
if (args.length !== 1 || args[0].startsWith("--")) {
  console.error("Usage: npm run db:backup -- <file>   (e.g. backups/pglite-$(date +%F).tar.gz)");
  process.exit(2);
}
const e = env();
if (e.DATABASE_URL) {
  console.error("DATABASE_URL is set: this deployment runs on Postgres; back it up with pg_dump. db:backup is for the embedded database.");
  process.exit(2);
}

try {
  const result = await backupPglite({ pgliteDir: e.PGLITE_DIR, file: args[0] });
  console.log(`Backed up ${e.PGLITE_DIR} to ${result.file} (${result.bytes} bytes, mode 0600):`);
  for (const t of result.tables) console.log(`  ${t.table.padEnd(13)} ${String(t.rows).padStart(9)} row(s)`);
  const secret = authSecretFile(e.PGLITE_DIR);
  if (fs.existsSync(secret)) console.log(`The secret in ${secret} is not in the backup; keep a copy of it too (device cookies and onboarding tokens depend on it).`);
} catch (err) {
  const known = err instanceof TransferError || err instanceof DatabaseBusyError;
  console.error(known ? (err as Error).message : `db:backup failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
