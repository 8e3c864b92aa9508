import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { BulkInvite } from "./bulk-invite";
import { InvitationsView, type InvitationRow } from "./invitations-view";
import { UsersView } from "./users-view";

const router = vi.hoisted(() => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }));
vi.mock("next/navigation", () => ({
  useRouter: () => router,
  usePathname: () => "/dashboard/invitations",
  useSearchParams: () => new URLSearchParams(),
}));

const EMAIL_OFF_NOTICE = "Email is off: copy each link and send it yourself. Set SMTP_URL and MAIL_FROM to email invitations.";
const IN_A_DAY = new Date(Date.now() + 86400_000).toISOString();
const URL_ = "http://localhost:3000/onboarding?token=s3cr3t";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function row(over: Partial<InvitationRow> = {}): InvitationRow {
  return {
    id: "inv_1",
    email: "grace@example.com",
    role: "member",
    kind: "invite",
    status: "pending",
    invited_by: { id: "u_1", email: "admin@example.com" },
    created_at: new Date().toISOString(),
    expires_at: IN_A_DAY,
    delivery: null,
    ...over,
  };
}

type Route = (url: string, init?: RequestInit) => Response | undefined;
function stubFetch(route: Route) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = route(String(input), init);
    if (!res) throw new Error(`unexpected fetch ${init?.method ?? "GET"} ${String(input)}`);
    return res;
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("InvitationsView and email", () => {
  it("shows one notice above the list while email is off, and keeps Re-issue", async () => {
    stubFetch((url) => (url.startsWith("/api/invitations?") ? json({ invitations: [row()], next_cursor: null, email: "off" }) : undefined));
    render(<InvitationsView />);
    const notice = await screen.findByText(EMAIL_OFF_NOTICE);
    expect(notice).toHaveTextContent("Email is off: copy each link and send it yourself. Set SMTP_URL and MAIL_FROM to email invitations.");
    expect(screen.getAllByText(/^Email is off/)).toHaveLength(1);
    const r = screen.getByTestId("invitation-row");
    expect(within(r).getByText("Email off")).toBeInTheDocument();
    expect(within(r).getByRole("button", { name: "Re-issue link for grace@example.com" })).toHaveTextContent("Re-issue");
  });

  it("shows no notice with email on, a delivery cell per row, and Resend that confirms and reloads", async () => {
    const user = userEvent.setup();
    let delivered = false;
    const fetchMock = stubFetch((url, init) => {
      if (url.startsWith("/api/invitations?"))
        return json({
          invitations: [
            row({ delivery: delivered ? { state: "queued", attempts: 0, next_attempt_at: null, sent_at: null, error: null } : { state: "failed", attempts: 5, next_attempt_at: null, sent_at: null, error: "550 no such user" } }),
          ],
          next_cursor: null,
          email: "on",
        });
      if (url === "/api/invitations/inv_1/reissue" && init?.method === "POST") {
        delivered = true;
        return json({ invitation: { id: "inv_2", email: "grace@example.com", role: "member", kind: "invite", url: URL_, expires_at: IN_A_DAY, emailed: true } }, 201);
      }
    });
    render(<InvitationsView />);
    const r = await screen.findByTestId("invitation-row");
    expect(r.querySelector('td[data-label="Delivery"]')).toHaveTextContent("Not delivered: 550 no such user");
    expect(screen.queryByText(EMAIL_OFF_NOTICE)).not.toBeInTheDocument();

    await user.click(within(r).getByRole("button", { name: "Resend invitation to grace@example.com" }));
    const dialog = await screen.findByRole("dialog", { name: "Resend the invitation?" });
    expect(dialog).toHaveTextContent("A fresh link is made and emailed to grace@example.com. The link sent before stops working at once.");
    await user.click(within(dialog).getByRole("button", { name: "Resend" }));

    expect(await screen.findByTestId("emailed-invitation")).toHaveTextContent("Invitation emailed to grace@example.com");
    expect(screen.getByLabelText("Invitation link")).toHaveValue(URL_);
    // The list reloads and shows the new delivery state.
    expect(await within(screen.getByTestId("invitation-row")).findByText("Queued")).toBeInTheDocument();
    expect(fetchMock.mock.calls.filter(([u]) => String(u).startsWith("/api/invitations?")).length).toBe(2);
  });

  it("says a re-issued reset link was emailed, without showing it", async () => {
    const user = userEvent.setup();
    stubFetch((url, init) => {
      if (url.startsWith("/api/invitations?")) return json({ invitations: [row({ kind: "reset", status: "expired" })], next_cursor: null, email: "on" });
      if (url === "/api/invitations/inv_1/reissue" && init?.method === "POST")
        return json({ invitation: { id: "inv_2", email: "grace@example.com", role: "member", kind: "reset", url: null, expires_at: IN_A_DAY, emailed: true } }, 201);
    });
    render(<InvitationsView />);
    const r = await screen.findByTestId("invitation-row");
    await user.click(within(r).getByRole("button", { name: "Resend invitation to grace@example.com" }));
    await user.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Resend" }));
    await waitFor(() =>
      expect(screen.getByTestId("invitations-status")).toHaveTextContent("A password reset link was emailed to grace@example.com. It works once and expires in 1 day."),
    );
    expect(screen.queryByTestId("fresh-link")).not.toBeInTheDocument();
    expect(screen.queryByTestId("emailed-invitation")).not.toBeInTheDocument();
  });

  it("confirms an emailed invitation after inviting one address", async () => {
    const user = userEvent.setup();
    stubFetch((url, init) => {
      if (url.startsWith("/api/invitations?")) return json({ invitations: [], next_cursor: null, email: "on" });
      if (url === "/api/invitations" && init?.method === "POST")
        return json({ invitation: { id: "inv_9", email: "alan@example.com", role: "member", kind: "invite", url: URL_, expires_at: IN_A_DAY, emailed: true } }, 201);
    });
    render(<InvitationsView />);
    const form = screen.getByRole("heading", { name: "Invite a teammate" }).closest("section")!;
    await user.type(within(form).getByLabelText("Email"), "alan@example.com");
    await user.click(within(form).getByRole("button", { name: "Invite" }));
    expect(await screen.findByTestId("emailed-invitation")).toHaveTextContent("Invitation emailed to alan@example.com");
    expect(screen.queryByTestId("fresh-link")).not.toBeInTheDocument();
  });

  it("keeps the copy-it-yourself panel when the invitation was not emailed", async () => {
    const user = userEvent.setup();
    stubFetch((url, init) => {
      if (url.startsWith("/api/invitations?")) return json({ invitations: [], next_cursor: null, email: "off" });
      if (url === "/api/invitations" && init?.method === "POST")
        return json({ invitation: { id: "inv_9", email: "alan@example.com", role: "member", kind: "invite", url: URL_, expires_at: IN_A_DAY, emailed: false } }, 201);
    });
    render(<InvitationsView />);
    const form = screen.getByRole("heading", { name: "Invite a teammate" }).closest("section")!;
    await user.type(within(form).getByLabelText("Email"), "alan@example.com");
    await user.click(within(form).getByRole("button", { name: "Invite" }));
    expect(await screen.findByTestId("fresh-link")).toHaveTextContent("copy it now and send it yourself");
    expect(screen.queryByTestId("emailed-invitation")).not.toBeInTheDocument();
  });
});

describe("BulkInvite and email", () => {
  it("says each emailed invitation was emailed, and counts them", async () => {
    const user = userEvent.setup();
    stubFetch((url) =>
      url === "/api/invitations/bulk"
        ? json({
            results: [
              { email: "ada@example.com", outcome: "invited", invitation: { id: "a", url: `${URL_}a`, expires_at: IN_A_DAY, emailed: true } },
              { email: "bob@example.com", outcome: "user_exists" },
            ],
          })
        : undefined,
    );
    render(<BulkInvite />);
    await user.type(screen.getByLabelText("Email addresses"), "ada@example.com, bob@example.com");
    await user.click(screen.getByRole("button", { name: "Invite all" }));
    expect(await screen.findByText("Invitation emailed to ada@example.com")).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Done: 1 invitation emailed, 1 not invited.");
  });
});

describe("UsersView and email", () => {
  it("says a reset link was emailed instead of showing it", async () => {
    const user = userEvent.setup();
    const member = { id: "u_2", email: "ada@example.com", role: "member", status: "active", created_at: new Date().toISOString(), last_sign_in_at: null };
    stubFetch((url, init) => {
      if (url.startsWith("/api/users?")) return json({ users: [member], next_cursor: null });
      if (url === "/api/users/u_2/reset" && init?.method === "POST")
        return json({ invitation: { id: "inv_5", email: "ada@example.com", kind: "reset", url: null, expires_at: IN_A_DAY, emailed: true } }, 201);
    });
    render(<UsersView currentUserId="u_1" email="on" />);
    await user.click(await screen.findByRole("button", { name: "Reset access for ada@example.com" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("is emailed to ada@example.com");
    await user.click(within(dialog).getByRole("button", { name: "Email reset link" }));
    await waitFor(() => expect(screen.getByTestId("users-status")).toHaveTextContent("A password reset link was emailed to ada@example.com. It works once and expires in 1 day."));
    expect(screen.queryByTestId("fresh-link")).not.toBeInTheDocument();
  });
});

describe("InvitationsView in German", () => {
  it("shows the list, its states and times, and each invitation's language in German", async () => {
    setTestLocale("de");
    stubFetch((url) =>
      url.startsWith("/api/invitations?")
        ? json({
            invitations: [
              row({ locale: "de" }),
              row({ id: "inv_2", email: "alan@example.com", role: "admin", status: "revoked", revoked_at: new Date(Date.now() - 2 * 86400_000).toISOString(), locale: "en" }),
            ],
            next_cursor: null,
            email: "off",
          })
        : undefined,
    );
    render(<InvitationsView />);
    expect(await screen.findByText(/^E-Mail ist ausgeschaltet: Kopieren Sie jeden Link/)).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Teammitglied einladen" })).toBeInTheDocument();
    expect(screen.getByRole("columnheader", { name: "Zustellung" })).toBeInTheDocument();
    const [grace, alan] = screen.getAllByTestId("invitation-row");
    expect(grace.querySelector('td[data-label="Status"]')).toHaveTextContent(/^ausstehend$/);
    expect(grace.querySelector('td[data-label="Rolle"]')).toHaveTextContent(/^Mitglied$/);
    expect(grace.querySelector('td[data-label="Wann"]')).toHaveTextContent("läuft in 1 Tag ab");
    expect(grace.querySelector('td[data-label="Wann"]')).toHaveTextContent("gerade eben gesendet");
    expect(within(grace).getByTestId("invitation-language")).toHaveTextContent("DE");
    expect(within(grace).getByTestId("invitation-language")).toHaveAttribute("title", "Deutsch");
    expect(within(grace).getByRole("button", { name: "Link für grace@example.com neu ausstellen" })).toHaveTextContent("Neu ausstellen");
    expect(within(grace).getByRole("button", { name: "Einladung für grace@example.com widerrufen" })).toBeInTheDocument();
    expect(alan.querySelector('td[data-label="Status"]')).toHaveTextContent(/^widerrufen$/);
    expect(alan.querySelector('td[data-label="Wann"]')).toHaveTextContent("widerrufen vor 2 Tagen");
    expect(within(alan).getByTestId("invitation-language")).toHaveAttribute("title", "Englisch");
    // Both forms invite in the admin's language unless they pick another.
    expect(screen.getAllByLabelText("Sprache").map((select) => (select as HTMLSelectElement).value)).toEqual(["de", "de"]);
  });

  it("shows an invitation's language in English too, and none for a row without one", async () => {
    stubFetch((url) =>
      url.startsWith("/api/invitations?") ? json({ invitations: [row({ locale: "de" }), row({ id: "inv_3", email: "old@example.com" })], next_cursor: null, email: "off" }) : undefined,
    );
    render(<InvitationsView />);
    const [grace, old] = await screen.findAllByTestId("invitation-row");
    expect(within(grace).getByTestId("invitation-language")).toHaveAttribute("title", "German");
    expect(within(old).queryByTestId("invitation-language")).not.toBeInTheDocument();
    expect(grace.querySelector('td[data-label="When"]')).toHaveTextContent("expires in 1 day");
  });
});

describe("UsersView in German", () => {
  it("asks and reports in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const member = { id: "u_2", email: "ada@example.com", role: "member", status: "active", created_at: new Date().toISOString(), last_sign_in_at: null };
    stubFetch((url, init) => {
      if (url.startsWith("/api/users?")) return json({ users: [member], next_cursor: null });
      if (url === "/api/users/u_2/reset" && init?.method === "POST")
        return json({ invitation: { id: "inv_5", email: "ada@example.com", kind: "reset", url: null, expires_at: IN_A_DAY, emailed: true } }, 201);
    });
    render(<UsersView currentUserId="u_1" email="on" />);
    const r = await screen.findByTestId("user-row");
    expect(r.querySelector('td[data-label="Zustand"]')).toHaveTextContent(/^aktiv$/);
    expect(r.querySelector('td[data-label="Letzte Anmeldung"]')).toHaveTextContent(/^nie$/);
    expect(within(r).getByRole("combobox", { name: "Rolle von ada@example.com" })).toHaveDisplayValue("Mitglied");
    await user.click(within(r).getByRole("button", { name: "Zugang für ada@example.com zurücksetzen" }));
    const dialog = await screen.findByRole("dialog", { name: "Zugang dieses Benutzers zurücksetzen?" });
    await user.click(within(dialog).getByRole("button", { name: "Link per E-Mail senden" }));
    await waitFor(() =>
      expect(screen.getByTestId("users-status")).toHaveTextContent(
        "Ein Link zum Zurücksetzen des Passworts wurde an ada@example.com gesendet. Er funktioniert einmal und läuft in 1 Tag ab.",
      ),
    );
  });
});
