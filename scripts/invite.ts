// npm run invite -- <email> [--role admin|member] [--days N] [--locale en|de]
// Prints a fresh invitation link as its last line. On PGlite it refuses while a server holds the
// data directory (one process at a time); on Postgres it runs beside the servers.
import { closeDb, getDb } from "../db";
import { checkEmail } from "../lib/email";
import { isLocale } from "../lib/i18n/locales";
import { createInvitation, roleSchema } from "../lib/invitations";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("Usage: npm run invite -- <email> [--role admin|member] [--days 1-30] [--locale en|de]");
  process.exit(2);
}

const args = process.argv.slice(2);
let email: string | undefined;
let role = "member";
let days = 7;
// The invitee's language (their link's page and emails); English unless given.
let locale = "en";
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--role") role = args[++i] ?? "";
  else if (args[i] === "--days") days = Number(args[++i]);
  else if (args[i] === "--locale") locale = args[++i] ?? "";
  else if (args[i].startsWith("--")) usage(`Unknown option ${args[i]}`);
  else if (!email) email = args[i];
  else usage(`Unexpected argument ${args[i]}`);
}
if (!email) usage("Give the email to invite.");
const parsedEmail = checkEmail(email);
if (!parsedEmail.ok) usage(`${parsedEmail.message} (${JSON.stringify(email)})`);
const parsedRole = roleSchema.safeParse(role);
if (!parsedRole.success) usage("--role must be admin or member.");
if (!Number.isInteger(days) || days < 1 || days > 30) usage("--days must be a whole number from 1 to 30.");
if (!isLocale(locale)) usage("--locale must be en or de.");

try {
  const db = await getDb();
  const result = await createInvitation(db, {
    email: parsedEmail.email,
    role: parsedRole.data,
    expiresInSeconds: days * 86400,
    createdBy: null,
    // As before: a live link of this address is replaced (revoked, with an audit event).
    replace: true,
    enforceDomains: true,
    locale,
  });
  if (!result.ok) {
    const why: Record<typeof result.reason, string> = {
      user_exists: "already has an account; nothing to invite.",
      domain_not_allowed: "is not in a domain INVITE_DOMAINS allows; nothing to invite.",
      invalid_email: "cannot be used as an address.",
      invitation_pending: "already has a pending invitation.",
    };
    console.error(`${parsedEmail.email} ${why[result.reason]}`);
    process.exitCode = 1;
  } else {
    if (result.invitation.replaced) console.log("The earlier pending link of this address no longer works.");
    console.log(`Invitation for ${result.invitation.email} (${result.invitation.role}, ${result.invitation.locale}), valid until ${result.invitation.expiresAt.toISOString()}:`);
    console.log(result.invitation.url);
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await closeDb().catch(() => {});
}
