import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";

const g = globalThis as unknown as { __memoryAuthSecret?: string };

export class MissingAuthSecretError extends Error {
  name = "MissingAuthSecretError";
}

/**
 * The key material behind signed tokens. AUTH_SECRET when set (required with Postgres, where several
 * instances must share it); on PGlite a random one generated once into the data directory.
 */
export function authSecrets(): { current: string; previous?: string } {
  const e = env();
  const previous = e.AUTH_SECRET_PREVIOUS;
  if (previous !== undefined) assertLongEnough(previous, "AUTH_SECRET_PREVIOUS");
  if (e.AUTH_SECRET !== undefined) {
    assertLongEnough(e.AUTH_SECRET, "AUTH_SECRET");
    return { current: e.AUTH_SECRET, previous };
  }
  if (e.DATABASE_URL) {
    throw new MissingAuthSecretError(
      "AUTH_SECRET is required when DATABASE_URL is set (at least 32 bytes, shared by every instance). " +
        'Generate one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))"',
    );
  }
  if (e.PGLITE_DIR.startsWith("memory://")) {
    g.__memoryAuthSecret ??= randomBytes(32).toString("base64url");
    return { current: g.__memoryAuthSecret, previous };
  }
  return { current: fileSecret(path.join(path.dirname(path.resolve(e.PGLITE_DIR)), "auth-secret")), previous };
}

function assertLongEnough(value: string, name: string) {
  if (Buffer.byteLength(value, "utf8") < 32) {
    throw new MissingAuthSecretError(`${name} must be at least 32 bytes long.`);
  }
}

function fileSecret(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** A key for one purpose, so one secret never signs two kinds of thing the same way. */
export function deriveKey(secret: string, purpose: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(createHmac("sha256", secret).update(purpose).digest());
}
