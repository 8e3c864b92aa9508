// npm run db:copy -- --to postgres://user:password@host:5432/dbname [--from <PGlite directory>]
// Moves everything from the embedded PGlite database (PGLITE_DIR, default .data/pglite) into an
// EMPTY Postgres database: the schema by the app's migrations, every row of every table, then row
// counts and checksums compared on both sides before the one transaction commits. Refuses a
// non-empty target and a PGlite directory a server holds. Its last lines say which AUTH_SECRET the
// Postgres deployment needs (db/transfer.ts copyInstructions).
import { DatabaseBusyError } from "../db";
import { copyInstructions, copyPgliteToPostgres, TransferError } from "../db/transfer";
import { env } from "../lib/env";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("Usage: npm run db:copy -- --to postgres://user:password@host:5432/dbname [--from <PGlite directory>]");
  process.exit(2);
}

const args = process.argv.slice(2);
let to: string | undefined;
let from: string | undefined;
for (let i = 0; i < args.length; i++) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  const value = () => inline ?? args[++i] ?? usage(`${flag} needs a value.`);
  if (flag === "--to") to = value();
  else if (flag === "--from") from = value();
  else usage(`Unexpected argument ${args[i]}`);
}
if (!to) usage("Give the target database with --to.");
let target: URL;
try {
  target = new URL(to);
} catch {
  usage("--to must be a postgres:// URL.");
}
if (target.protocol !== "postgres:" && target.protocol !== "postgresql:") usage("--to must be a postgres:// URL.");
// The URL may carry a password: shown without it.
const shown = `${target.protocol}//${target.username ? `${decodeURIComponent(target.username)}@` : ""}${target.host}${target.pathname}`;
const pgliteDir = from ?? env().PGLITE_DIR;
if (pgliteDir.startsWith("memory://")) usage("PGLITE_DIR is memory://: there is nothing on disk to copy.");

try {
  console.log(`Copying the embedded database at ${pgliteDir} to ${shown}`);
  const result = await copyPgliteToPostgres({ pgliteDir, targetUrl: to, log: (line) => console.log(`  ${line}`) });
  console.log("Verified on both sides (row count, md5 of the ids, md5 of the rows):");
  for (const t of result.tables) console.log(`  ${t.table.padEnd(13)} ${String(t.rows).padStart(9)} row(s)  ids ${t.ids}`);
  for (const line of copyInstructions(result, { AUTH_SECRET: process.env.AUTH_SECRET, AUTH_SECRET_PREVIOUS: process.env.AUTH_SECRET_PREVIOUS })) console.log(line);
} catch (err) {
  const known = err instanceof TransferError || err instanceof DatabaseBusyError;
  console.error(known ? (err as Error).message : `db:copy failed, nothing was committed: ${(err as Error).message}`);
  process.exitCode = 1;
}
