// [unit, its length, used from this many seconds]: days up to 45 ("in 30 days" reads better than "next month").
const UNITS: [Intl.RelativeTimeFormatUnit, number, number][] = [
  ["year", 365 * 86400, 365 * 86400],
  ["month", 30 * 86400, 45 * 86400],
  ["day", 86400, 86400 - 1800],
  ["hour", 3600, 3600 - 300],
  ["minute", 60, 45],
];

/** "in 3 days", "5 minutes ago", "just now". */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "always" });
  for (const [unit, size, from] of UNITS) {
    if (abs >= from) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

/** The exact time, unambiguous wherever it is rendered (server or browser). */
export function exactTime(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** A relative time with the exact one on hover. `prefix` reads "expires in 3 days". */
export function RelativeTime({ iso, prefix }: { iso: string | null | undefined; prefix?: string }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={exactTime(iso)} suppressHydrationWarning>
      {prefix ? `${prefix} ` : ""}
      {relativeTime(iso)}
    </time>
  );
}
