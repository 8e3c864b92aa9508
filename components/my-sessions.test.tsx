import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { duration, MySessions } from "./my-sessions";
import { SessionsTable, type SessionRow } from "./sessions-table";

const NOW = new Date().toISOString();
const ROWS: SessionRow[] = [
  { id: "s1", user_agent: "Firefox on Linux", ip: "203.0.113.7", created_at: NOW, last_used_at: NOW, authenticated_at: NOW, expires_at: NOW, current: true },
  { id: "s2", user_agent: null, ip: null, created_at: NOW, last_used_at: NOW, authenticated_at: NOW, expires_at: NOW, current: false },
];

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("duration", () => {
  it("names the largest whole unit, in English and German", () => {
    expect(duration(86400)).toBe("1 day");
    expect(duration(12 * 3600)).toBe("12 hours");
    expect(duration(90 * 60)).toBe("90 minutes");
    expect(duration(30 * 86400, "de")).toBe("30 Tagen");
    expect(duration(3600, "de")).toBe("1 Stunde");
  });
});

describe("SessionsTable", () => {
  it("marks this browser and names each Sign out button (English)", () => {
    render(<SessionsTable sessions={ROWS} label="Your sessions" busyId={null} onRevoke={() => {}} />);
    expect(screen.getByText("this browser")).toBeInTheDocument();
    expect(screen.getByText("Unknown device")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Sign out this session" })).toHaveTextContent("Sign out");
    expect(screen.getAllByRole("button")).toHaveLength(1); // none for the session in use
  });

  it("in German", () => {
    setTestLocale("de");
    render(<SessionsTable sessions={ROWS} label="Ihre Sitzungen" busyId={null} onRevoke={() => {}} keepCurrent={false} />);
    expect(screen.getByRole("columnheader", { name: "Gerät" })).toBeInTheDocument();
    expect(screen.getByText("dieser Browser")).toBeInTheDocument();
    expect(screen.getByText("Unbekanntes Gerät")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Firefox on Linux unter 203.0.113.7 abmelden" })).toHaveTextContent("Abmelden");
    expect(screen.getByRole("button", { name: "Diese Sitzung abmelden" })).toBeInTheDocument();
  });
});

describe("MySessions in German", () => {
  it("explains when sessions end and signs out the others, counting them", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url === "/api/sessions") return json({ sessions: ROWS });
        if (url === "/api/sessions/revoke_others") return json({ revoked: 1 });
        throw new Error(`unexpected fetch ${url}`);
      }),
    );
    render(<MySessions idleSeconds={7 * 86400} ttlSeconds={30 * 86400} />);
    expect(screen.getByRole("heading", { name: "Ihre Sitzungen" })).toBeInTheDocument();
    expect(screen.getByText(/nach 7 Tagen ohne Nutzung oder nach Ablauf von 30 Tagen seit der Anmeldung/)).toBeInTheDocument();
    const table = await screen.findByRole("table", { name: "Ihre Sitzungen" });
    expect(within(table).getAllByTestId("session-row")).toHaveLength(2);
    await user.click(screen.getByRole("button", { name: "Überall sonst abmelden" }));
    expect(await screen.findByText("1 andere Sitzung wurde abgemeldet.")).toBeInTheDocument();
  });
});
