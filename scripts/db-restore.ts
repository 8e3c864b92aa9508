// npm run db:restore -- <file>
// Restores a backup written by npm run db:backup into PGLITE_DIR (default .data/pglite), which must
// be empty or absent: a non-empty directory is refused, never overwritten.
import { DatabaseBusyError } from "../db";
import { restorePglite, TransferError } from "../db/transfer";
import { env } from "../lib/env";

const args = process.argv.slice(2);
if (args.length !== 1 || args[0].startsWith("--")) {
  console.error("Usage: npm run db:restore -- <file>   (into PGLITE_DIR, which must be empty or absent)");
  process.exit(2);
}
const e = env();
if (e.PGLITE_DIR.startsWith("memory://")) {
  console.error("PGLITE_DIR is memory://: set it to the directory to restore into.");
  process.exit(2);
}

try {
  const result = await restorePglite({ file: args[0], pgliteDir: e.PGLITE_DIR });
  console.log(`Restored ${args[0]} into ${e.PGLITE_DIR}:`);
  for (const t of result.tables) console.log(`  ${t.table.padEnd(13)} ${String(t.rows).padStart(9)} row(s)`);
} catch (err) {
  const known = err instanceof TransferError || err instanceof DatabaseBusyError;
  console.error(known ? (err as Error).message : `db:restore failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
