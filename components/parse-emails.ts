/**
 * A pasted list of addresses → the addresses, in order. Entries are separated by new lines, commas or
 * semicolons; `Name <addr>` and `"Last, First" <addr>` give `addr` (separators inside quotes or angle
 * brackets do not split). Empty entries are dropped; nothing is validated here (the server says which
 * addresses it refuses, and why).
 */
export function parseEmailList(text: string): string[] {
  const entries: string[] = [];
  let current = "";
  let quoted = false;
  let angle = false;
  for (const ch of text) {
    if (ch === '"' && !angle) quoted = !quoted;
    else if (ch === "<" && !quoted) angle = true;
    else if (ch === ">" && !quoted) angle = false;
    if (!quoted && !angle && (ch === "," || ch === ";" || ch === "\n" || ch === "\r")) {
      entries.push(current);
      current = "";
    } else current += ch;
  }
  entries.push(current);
  const out: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const inAngles = /<([^<>]*)>\s*$/.exec(entry);
    let address = (inAngles ? inAngles[1] : entry).trim();
    address = address.replace(/^mailto:/i, "").replace(/^["']+|["']+$/g, "").trim();
    if (address) out.push(address);
  }
  return out;
}
