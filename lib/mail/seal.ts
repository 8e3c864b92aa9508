import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { authSecrets, deriveKey } from "../auth/secret";
import { canonicalEmail } from "../email";

// The outbox keeps a message's secret part (a link's secret, a forgot-password request's address)
// only sealed: AES-256-GCM with a key derived from AUTH_SECRET for this purpose alone, the row's id
// as associated data (a sealed value copied into another row does not open). Opened with the current
// secret, else AUTH_SECRET_PREVIOUS (a rotation does not lose queued mail).

const SEAL_PURPOSE = "outbox-seal-v1";
const ADDRESS_PURPOSE = "outbox-address-v1";

export function seal(plain: string, rowId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(authSecrets().current, SEAL_PURPOSE), iv);
  cipher.setAAD(Buffer.from(rowId, "utf8"));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
}

/** The sealed value's plain text, or null when no current or previous key opens it. */
export function unseal(sealed: string, rowId: string): string | null {
  const [version, iv, body, tag] = sealed.split(".");
  if (version !== "v1" || !iv || body === undefined || !tag) return null;
  const { current, previous } = authSecrets();
  for (const secret of previous ? [current, previous] : [current]) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", deriveKey(secret, SEAL_PURPOSE), Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(rowId, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      // wrong key: try the next
    }
  }
  return null;
}

/** What the outbox stores to recognise an address (caps per address) without storing it. */
export function addressHash(address: string): string {
  return createHmac("sha256", deriveKey(authSecrets().current, ADDRESS_PURPOSE)).update(canonicalEmail(address)).digest("hex");
}
