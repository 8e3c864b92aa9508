import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { UserSessions } from "./user-sessions";

const SESSION = {
  id: "s1",
  user_agent: "Firefox on Linux",
  ip: "203.0.113.7",
  created_at: "2030-01-01T10:00:00.000Z",
  last_used_at: "2030-01-01T11:00:00.000Z",
  authenticated_at: "2030-01-01T10:00:00.000Z",
  expires_at: "2030-01-31T10:00:00.000Z",
  current: false,
};
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("UserSessions", () => {
  it("lists a user's sessions and signs one out, in English", async () => {
    const user = userEvent.setup();
    let revoked = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: RequestInfo | URL) => (String(url).endsWith("/revoke") ? ((revoked = true), json(null)) : json({ sessions: revoked ? [] : [SESSION] }))),
    );
    render(<UserSessions user={{ id: "u2", email: "ada@example.com" }} onClose={() => {}} />);
    expect(screen.getByRole("heading", { name: "Sessions of ada@example.com" })).toBeInTheDocument();
    const table = await screen.findByRole("table", { name: "Sessions of ada@example.com" });
    await user.click(within(table).getAllByRole("button")[0]);
    await waitFor(() => expect(screen.getByText("Signed ada@example.com out of Firefox on Linux (203.0.113.7).")).toBeInTheDocument());
    expect(screen.getByText("ada@example.com is not signed in anywhere.")).toBeInTheDocument();
  });

  it("speaks German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    let revoked = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: RequestInfo | URL) => (String(url).endsWith("/revoke") ? ((revoked = true), json(null)) : json({ sessions: revoked ? [] : [{ ...SESSION, user_agent: null }] }))),
    );
    render(<UserSessions user={{ id: "u2", email: "ada@example.com" }} onClose={() => {}} />);
    expect(screen.getByRole("heading", { name: "Sitzungen von ada@example.com" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Schließen" })).toBeInTheDocument();
    const table = await screen.findByRole("table", { name: "Sitzungen von ada@example.com" });
    await user.click(within(table).getAllByRole("button")[0]);
    await waitFor(() => expect(screen.getByText("ada@example.com wurde von dieser Sitzung (203.0.113.7) abgemeldet.")).toBeInTheDocument());
    expect(screen.getByText("ada@example.com ist nirgends angemeldet.")).toBeInTheDocument();
  });

  it("says in German when the sessions cannot be loaded", async () => {
    setTestLocale("de");
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => json({ error: { code: "internal", message: "Etwas ist schiefgelaufen." } }, 500)),
    );
    render(<UserSessions user={{ id: "u2", email: "ada@example.com" }} onClose={() => {}} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Die Sitzungen konnten nicht geladen werden: Etwas ist schiefgelaufen.");
  });
});
