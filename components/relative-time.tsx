"use client";

import { useLocale, useTranslations } from "next-intl";
import { useSyncExternalStore } from "react";

// Times are shown in the reader's language and time zone. The server cannot know the zone, so the
// server render (and the first client render, which hydration compares with it) shows the exact time
// in UTC; once hydrated, the browser shows the relative time ("in 3 days", "vor 5 Minuten") with the
// exact local time as its title, or, with `exact`, the local date and time.

// [unit, its length, used from this many seconds]: days up to 45 ("in 30 days" reads better than "next month").
const UNITS: [Intl.RelativeTimeFormatUnit, number, number][] = [
  ["year", 365 * 86400, 365 * 86400],
  ["month", 30 * 86400, 45 * 86400],
  ["day", 86400, 86400 - 1800],
  ["hour", 3600, 3600 - 300],
  ["minute", 60, 45],
];

/** Within this many seconds of now a time reads "just now". */
const JUST_NOW_SECONDS = 45;

/** "in 3 days", "5 minutes ago", "just now" (`justNow` is that phrase in the reader's language). */
export function relativeTime(iso: string, now = Date.now(), locale = "en", justNow = "just now"): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < JUST_NOW_SECONDS) return justNow;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
  for (const [unit, size, from] of UNITS) {
    if (abs >= from) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), "minute");
}

/** `relativeTime` from this moment. */
export function relativeTimeFromNow(iso: string, locale = "en", justNow = "just now"): string {
  return relativeTime(iso, Date.now(), locale, justNow);
}

/** Whether `iso` is within a few seconds of now (what relativeTime calls "just now"). */
export function isJustNow(iso: string, now = Date.now()): boolean {
  return Math.abs(new Date(iso).getTime() - now) < JUST_NOW_SECONDS * 1000;
}

/** The exact time in UTC, the same wherever it is rendered (server or browser): "2026-11-30 05:29 UTC". */
export function exactTime(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/**
 * The exact time in the reader's language and a time zone (the browser's unless given), with the
 * zone's name: "Nov 30, 2026, 6:29 AM GMT+1", "30. Nov. 2026, 06:29 MEZ".
 */
export function localTime(iso: string, locale = "en", timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

const noSubscription = () => () => {};

/**
 * False during the server render and while hydrating (so the markup matches the server's), true from
 * then on, and at once for a component first mounted in the browser (no server markup to match).
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}

/** `relativeTime` in the reader's language, for a browser-only sentence (a notice after an action). */
export function useRelativeTime(): (iso: string) => string {
  const locale = useLocale();
  const t = useTranslations("admin.time");
  return (iso) => relativeTimeFromNow(iso, locale, t("justNow"));
}

/**
 * A time in a `<time dateTime>`: the relative time with the exact local one on hover, or with `exact`
 * the local date and time with the relative one on hover. Before hydration: the exact time in UTC.
 * - `prefix` (English only, kept for older callers): "expires" reads "expires in 3 days".
 * - `label` wraps the time in a sentence of the reader's language: `(time) => t("expires", { time })`.
 *   A function, so only from client components; a server component passes none (or `exact`).
 * - `soon` replaces "just now" (a retry due within the minute would otherwise sound like the past).
 */
export function RelativeTime({
  iso,
  prefix,
  label,
  exact = false,
  soon,
}: {
  iso: string | null | undefined;
  prefix?: string;
  label?: (time: string) => string;
  exact?: boolean;
  soon?: string;
}) {
  const hydrated = useHydrated();
  const locale = useLocale();
  const t = useTranslations("admin.time");
  if (!iso) return <span className="muted">—</span>;
  let text: string;
  let title: string;
  if (!hydrated) {
    text = exactTime(iso);
    title = exactTime(iso);
  } else {
    const relative = soon && isJustNow(iso) ? soon : relativeTimeFromNow(iso, locale, t("justNow"));
    const local = localTime(iso, locale);
    text = exact ? local : relative;
    title = exact ? relative : local;
  }
  const shown = label ? label(text) : prefix ? `${prefix} ${text}` : text;
  return (
    <time dateTime={iso} title={title}>
      {shown}
    </time>
  );
}
