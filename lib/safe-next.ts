/** Where to go after sign-in: only a path on this site ("/x"), never "//evil" or "https://…". */
export function safeNextPath(value: unknown, fallback = "/dashboard"): string {
  if (typeof value !== "string" || value.length > 512) return fallback;
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\\]/.test(value)) return fallback;
  try {
    const url = new URL(value, "http://x.invalid");
    if (url.origin !== "http://x.invalid") return fallback;
    const path = url.pathname + url.search + url.hash;
    // Normalisation can turn "/.//evil.com" into "//evil.com", which a browser reads as another host.
    return path.startsWith("//") || path.startsWith("/\\") ? fallback : path;
  } catch {
    return fallback;
  }
}
