import { act, render } from "@testing-library/react";
import { hydrateRoot } from "react-dom/client";
import { renderToString } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { exactTime, localTime, RelativeTime, relativeTime } from "./relative-time";

const NOW = new Date("2030-01-01T12:00:00.000Z");
const FIVE_MINUTES_AGO = "2030-01-01T11:55:00.000Z";
const IN_THREE_DAYS = "2030-01-04T12:00:00.000Z";
const zone = process.env.TZ;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  // The browser's zone, as a reader in Berlin has it (the server renders UTC whatever its own zone).
  process.env.TZ = "Europe/Berlin";
});
afterEach(() => {
  vi.useRealTimers();
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

/** Renders like the server, then hydrates that markup like the browser; returns the markup before and the DOM after. */
async function serverThenBrowser(element: React.ReactElement) {
  const html = renderToString(element);
  const container = document.createElement("div");
  container.innerHTML = html;
  document.body.appendChild(container);
  const before = container.querySelector("time")!.cloneNode(true) as HTMLElement;
  const recoverable = vi.fn();
  await act(async () => {
    hydrateRoot(container, element, { onRecoverableError: recoverable });
  });
  return { before, after: container.querySelector("time")!, recoverable, cleanup: () => container.remove() };
}

describe("relativeTime and exact times", () => {
  it("reads relative times in the reader's language", () => {
    expect(relativeTime(FIVE_MINUTES_AGO)).toBe("5 minutes ago");
    expect(relativeTime(IN_THREE_DAYS, NOW.getTime(), "de")).toBe("in 3 Tagen");
    expect(relativeTime(FIVE_MINUTES_AGO, NOW.getTime(), "de", "gerade eben")).toBe("vor 5 Minuten");
    expect(relativeTime(NOW.toISOString(), NOW.getTime(), "de", "gerade eben")).toBe("gerade eben");
  });

  it("writes the exact time in UTC, or in a zone with its name", () => {
    expect(exactTime(FIVE_MINUTES_AGO)).toBe("2030-01-01 11:55 UTC");
    expect(localTime(FIVE_MINUTES_AGO, "de", "Europe/Berlin")).toBe("1. Jan. 2030, 12:55 MEZ");
    expect(localTime(FIVE_MINUTES_AGO, "en", "America/New_York")).toBe("Jan 1, 2030, 6:55 AM EST");
  });
});

describe("RelativeTime", () => {
  it("renders the exact UTC time on the server and the relative time with the local one after hydration", async () => {
    const { before, after, recoverable, cleanup } = await serverThenBrowser(<RelativeTime iso={FIVE_MINUTES_AGO} />);
    expect(before).toHaveTextContent(/^2030-01-01 11:55 UTC$/);
    expect(before).toHaveAttribute("datetime", FIVE_MINUTES_AGO);
    expect(after).toHaveTextContent(/^5 minutes ago$/);
    expect(after).toHaveAttribute("datetime", FIVE_MINUTES_AGO);
    expect(after).toHaveAttribute("title", "Jan 1, 2030, 12:55 PM GMT+1");
    expect(recoverable).not.toHaveBeenCalled(); // no hydration mismatch
    cleanup();
  });

  it("reads German after hydration", async () => {
    setTestLocale("de");
    const { before, after, recoverable, cleanup } = await serverThenBrowser(<RelativeTime iso={IN_THREE_DAYS} />);
    expect(before).toHaveTextContent(/^2030-01-04 12:00 UTC$/);
    expect(after).toHaveTextContent(/^in 3 Tagen$/);
    expect(after).toHaveAttribute("title", "4. Jan. 2030, 13:00 MEZ");
    expect(recoverable).not.toHaveBeenCalled();
    cleanup();
  });

  it("shows the local date and time for an exact display, the relative time on hover", async () => {
    setTestLocale("de");
    const { before, after, cleanup } = await serverThenBrowser(<RelativeTime iso={FIVE_MINUTES_AGO} exact />);
    expect(before).toHaveTextContent(/^2030-01-01 11:55 UTC$/);
    expect(after).toHaveTextContent(/^1\. Jan\. 2030, 12:55 MEZ$/);
    expect(after).toHaveAttribute("title", "vor 5 Minuten");
    cleanup();
  });

  it("wraps the time in a sentence (label), or the older English prefix", () => {
    const { container, rerender } = render(<RelativeTime iso={IN_THREE_DAYS} prefix="expires" />);
    expect(container).toHaveTextContent(/^expires in 3 days$/);
    rerender(<RelativeTime iso={IN_THREE_DAYS} label={(time) => `läuft ${time} ab`} />);
    expect(container).toHaveTextContent(/^läuft in 3 days ab$/);
  });

  it("says 'just now' in the reader's language, or what `soon` says", () => {
    setTestLocale("de");
    const { container, rerender } = render(<RelativeTime iso={NOW.toISOString()} />);
    expect(container).toHaveTextContent(/^gerade eben$/);
    rerender(<RelativeTime iso={new Date(NOW.getTime() + 10_000).toISOString()} soon="gleich" />);
    expect(container).toHaveTextContent(/^gleich$/);
  });

  it("shows a dash for no time", () => {
    const { container } = render(<RelativeTime iso={null} />);
    expect(container).toHaveTextContent(/^—$/);
    expect(container.querySelector("time")).toBeNull();
  });

  it("mounted in the browser without server markup, shows the relative time at once", () => {
    const { container } = render(<RelativeTime iso={FIVE_MINUTES_AGO} />);
    expect(container.querySelector("time")).toHaveTextContent(/^5 minutes ago$/);
  });
});
