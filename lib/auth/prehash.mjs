// The one definition of the password pre-hash, shared by the app (lib/auth/password.ts) and the
// hashing worker threads (lib/auth/hash-worker.mjs). A plain .mjs file so a worker thread can load it
// without Next's bundler.
import { createHash } from "node:crypto";

/**
 * bcrypt reads at most 72 bytes: two passwords sharing their first 72 bytes would be the same
 * password. Every password is therefore pre-hashed (SHA-256, base64: 44 ASCII bytes, no NUL) before
 * bcrypt sees it. NFC normalisation makes "é" typed two ways the same password.
 *
 * @param {string} password
 * @returns {string}
 */
export function prehash(password) {
  return createHash("sha256").update(password.normalize("NFC"), "utf8").digest("base64");
}
