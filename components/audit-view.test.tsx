import { render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { AuditView } from "./audit-view";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }),
  usePathname: () => "/dashboard/audit",
  useSearchParams: () => new URLSearchParams(),
}));

const EVENT = {
  id: "e1",
  action: "invitation.created",
  actor: { id: "1", email: "admin@example.com" },
  target: { id: "2", email: "grace@example.com" },
  ip: "203.0.113.7",
  details: { role: "admin" },
  created_at: "2030-01-01T11:55:00.000Z",
};

function stubAudit(response: () => Response) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => response()),
  );
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("AuditView", () => {
  it("reads the log in English: sentences, an exact time, the pager", async () => {
    stubAudit(() => json({ events: [EVENT], next_cursor: "c2" }));
    render(<AuditView />);
    const table = await screen.findByRole("table", { name: "Audit log" });
    expect(within(table).getByText("admin@example.com invited grace@example.com as admin")).toBeInTheDocument();
    expect(table.querySelector("time")).toHaveAttribute("datetime", EVENT.created_at);
    expect(screen.getByRole("combobox", { name: "What" })).toHaveDisplayValue("Everything");
    expect(screen.getByRole("option", { name: "Sign-in failed" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next page →" })).toBeInTheDocument();
  });

  it("reads the log in German", async () => {
    setTestLocale("de");
    stubAudit(() => json({ events: [EVENT], next_cursor: "c2" }));
    render(<AuditView />);
    const table = await screen.findByRole("table", { name: "Audit-Log" });
    expect(screen.getByRole("heading", { name: "Audit-Log" })).toBeInTheDocument();
    expect(within(table).getByText("admin@example.com hat grace@example.com als Admin eingeladen")).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "Was ist passiert" })).toBeInTheDocument();
    expect(table.querySelector('td[data-label="Herkunft"]')).toHaveTextContent("203.0.113.7");
    expect(screen.getByRole("combobox", { name: "Was" })).toHaveDisplayValue("Alles");
    expect(screen.getByRole("option", { name: "Anmeldung fehlgeschlagen" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Als CSV exportieren" })).toBeInTheDocument();
    expect(screen.getByRole("navigation", { name: "Seiten" })).toHaveTextContent("Nächste Seite →");
  });

  it("says in German that the log is empty, or could not be loaded", async () => {
    setTestLocale("de");
    stubAudit(() => json({ events: [], next_cursor: null }));
    const { unmount } = render(<AuditView />);
    expect(await screen.findByText("Bisher ist nichts passiert.")).toBeInTheDocument();
    unmount();
    stubAudit(() => json({ error: { code: "not_found", message: "x" } }, 404));
    render(<AuditView />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Diese Liste konnte nicht geladen werden.");
    expect(alert).toHaveTextContent("Diese Liste ist noch nicht verfügbar (der Server bietet sie nicht an).");
    expect(within(alert).getByRole("button", { name: "Erneut versuchen" })).toBeInTheDocument();
  });
});
