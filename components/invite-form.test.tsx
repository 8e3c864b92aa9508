import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { BulkInvite } from "./bulk-invite";
import { CopyLink } from "./copy-link";
import { InviteForm } from "./invite-form";

const INVITEE = "grace@example.com";
const URL_ = "http://localhost:3000/onboarding?token=s3cr3t-link-token";
const SUBMIT = "Invite";
const BUSY = "Inviting…";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function created(email = INVITEE, url = URL_) {
  return json(
    { invitation: { id: "inv_1", email, role: "member", url, expires_at: "2030-01-01T00:00:00.000Z" } },
    201,
  );
}

function stubFetch(respond: () => Response | Promise<Response> = () => created()) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => respond());
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Replaces navigator.clipboard; call after userEvent.setup(), which installs its own stub. */
function stubClipboard(writeText = vi.fn(async (_text: string) => {})) {
  Object.defineProperty(window.navigator, "clipboard", { value: { writeText }, configurable: true, writable: true });
  return writeText;
}

const emailInput = () => screen.getByLabelText("Email");

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("InviteForm", () => {
  it("rejects an invalid email with a message and makes no fetch call", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<InviteForm />);
    await user.type(emailInput(), "not-an-email");
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter an email address like name@example.com.");
    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.queryByLabelText("Invitation link")).not.toBeInTheDocument();
  });

  it("rejects an empty email and one with spaces inside", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<InviteForm />);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter an email address");
    await user.type(emailInput(), "grace hopper@example.com");
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(screen.getByRole("alert")).toHaveTextContent("Enter an email address");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("posts the invitation, hands the new invitation to the page and resets email and role", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    const onInvited = vi.fn();
    render(<InviteForm onInvited={onInvited} />);

    await user.type(emailInput(), `  ${INVITEE} `);
    await user.selectOptions(screen.getByLabelText("Role"), "admin");
    await user.selectOptions(screen.getByLabelText("Link valid for"), "1 day");
    await user.click(screen.getByRole("button", { name: SUBMIT }));

    await waitFor(() => expect(onInvited).toHaveBeenCalledTimes(1));
    expect(onInvited.mock.calls[0][0]).toMatchObject({ id: "inv_1", email: INVITEE, url: URL_ });
    // The link is shown by the page, once, in one place: never by the form itself.
    expect(screen.queryByLabelText("Invitation link")).not.toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(emailInput()).toHaveValue("");
    expect(screen.getByLabelText("Role")).toHaveValue("member");
    expect(screen.getByLabelText("Link valid for")).toHaveValue("86400");

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/invitations");
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("content-type")).toBe("application/json");
    // The invitation is written in the admin's own language unless they pick another.
    expect(JSON.parse(String(init?.body))).toEqual({ email: INVITEE, role: "admin", expires_in_seconds: 86400, locale: "en" });
  });

  it("uses member and 7 days by default", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<InviteForm />);
    await user.type(emailInput(), INVITEE);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({ email: INVITEE, role: "member", expires_in_seconds: 7 * 86400, locale: "en" });
  });

  it("shows a 409 from the server next to the email field", async () => {
    const user = userEvent.setup();
    const message = "grace@example.com already has an account.";
    stubFetch(() => json({ error: { code: "user_exists", message } }, 409));
    const onInvited = vi.fn();
    render(<InviteForm onInvited={onInvited} />);
    await user.type(emailInput(), INVITEE);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(screen.queryByLabelText("Invitation link")).not.toBeInTheDocument();
    expect(onInvited).not.toHaveBeenCalled();
    expect(emailInput()).toHaveValue(INVITEE); // kept so it can be corrected
    expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled();
  });

  it("is busy while the request is pending", async () => {
    const user = userEvent.setup();
    let resolve!: (r: Response) => void;
    stubFetch(() => new Promise<Response>((res) => (resolve = res)));
    const { container } = render(<InviteForm />);
    const form = container.querySelector("form")!;
    await user.type(emailInput(), INVITEE);
    await user.click(screen.getByRole("button", { name: SUBMIT }));

    expect(await screen.findByRole("button", { name: BUSY })).toBeDisabled();
    expect(emailInput()).toBeDisabled();
    expect(screen.getByLabelText("Role")).toBeDisabled();
    expect(screen.getByLabelText("Link valid for")).toBeDisabled();
    expect(form).toHaveAttribute("aria-busy", "true");

    await act(async () => resolve(created()));
    await waitFor(() => expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled());
    expect(form).toHaveAttribute("aria-busy", "false");
  });

  it("shows invalid_email and domain_not_allowed next to the email field", async () => {
    const user = userEvent.setup();
    const message = "Invitations can only go to the domains this team allows.";
    stubFetch(() => json({ error: { code: "domain_not_allowed", message } }, 400));
    render(<InviteForm />);
    await user.type(emailInput(), "eve@elsewhere.test");
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    const error = await screen.findByRole("alert");
    expect(error).toHaveTextContent(message);
    expect(emailInput()).toHaveAttribute("aria-invalid", "true");
    expect(emailInput()).toHaveAccessibleDescription(message);
  });

  it("asks before replacing a pending invitation, and replaces only when confirmed", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    fetchMock.mockImplementationOnce(async () => json({ error: { code: "invitation_pending", message: "pending" } }, 409));
    const onInvited = vi.fn();
    render(<InviteForm onInvited={onInvited} />);
    await user.type(emailInput(), INVITEE);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    const dialog = await screen.findByRole("dialog", { name: "Replace the pending invitation?" });
    expect(dialog).toHaveTextContent(`${INVITEE} already has a pending invitation; replace it? The old link stops working.`);
    expect(onInvited).not.toHaveBeenCalled();
    await user.click(screen.getByRole("button", { name: "Replace invitation" }));
    await waitFor(() => expect(onInvited).toHaveBeenCalledTimes(1));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(JSON.parse(String(fetchMock.mock.calls[1][1]?.body))).toMatchObject({ email: INVITEE, replace: true });
  });

  it("keeps the pending invitation when the admin cancels", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch(() => json({ error: { code: "invitation_pending", message: "pending" } }, 409));
    const onInvited = vi.fn();
    render(<InviteForm onInvited={onInvited} />);
    await user.type(emailInput(), INVITEE);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(`Nothing changed: ${INVITEE} keeps the pending invitation.`);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(onInvited).not.toHaveBeenCalled();
  });
});

describe("CopyLink", () => {
  it("shows the link read-only, says it is shown once, and copies it", async () => {
    const user = userEvent.setup();
    const writeText = stubClipboard();
    render(<CopyLink email={INVITEE} url={URL_} />);
    const link = screen.getByRole("textbox", { name: "Invitation link" });
    expect(link).toHaveValue(URL_);
    expect(link).toHaveAttribute("readonly");
    expect(screen.getByRole("status")).toHaveTextContent(`Invitation link for ${INVITEE}`);
    expect(screen.getByRole("status")).toHaveTextContent("It will not be shown again.");
    await user.type(link, "tampered");
    expect(link).toHaveValue(URL_);
    await user.click(screen.getByRole("button", { name: "Copy link" }));
    expect(writeText).toHaveBeenCalledWith(URL_);
    expect(await screen.findByRole("button", { name: "Copied" })).toBeInTheDocument();
  });

  it("keeps 'Copy link' when the clipboard refuses", async () => {
    const user = userEvent.setup();
    const writeText = stubClipboard(
      vi.fn(async (_text: string) => {
        throw new DOMException("denied", "NotAllowedError");
      }),
    );
    render(<CopyLink email={INVITEE} url={URL_} />);
    await user.click(screen.getByRole("button", { name: "Copy link" }));
    expect(writeText).toHaveBeenCalledWith(URL_);
    expect(screen.getByRole("button", { name: "Copy link" })).toBeInTheDocument();
  });
});

describe("InviteForm and BulkInvite: the invitation's language", () => {
  it("sends the language the admin picks", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<InviteForm />);
    const language = screen.getByLabelText("Language");
    expect(language).toHaveValue("en");
    expect([...(language as HTMLSelectElement).options].map((o) => o.textContent)).toEqual(["English", "Deutsch"]);
    await user.type(emailInput(), INVITEE);
    await user.selectOptions(language, "Deutsch");
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toMatchObject({ email: INVITEE, locale: "de" });
  });

  it("speaks German to a German admin and invites in German by default", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<InviteForm />);
    expect(screen.getByLabelText("Sprache")).toHaveValue("de");
    expect(screen.getByLabelText("Link gültig für")).toHaveDisplayValue("7 Tage");
    expect(screen.getByLabelText("Rolle")).toHaveDisplayValue("Mitglied");
    await user.click(screen.getByRole("button", { name: "Einladen" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Geben Sie eine E-Mail-Adresse wie name@example.com ein.");
    await user.type(screen.getByLabelText("E-Mail"), INVITEE);
    await user.click(screen.getByRole("button", { name: "Einladen" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({ email: INVITEE, role: "member", expires_in_seconds: 7 * 86400, locale: "de" });
  });

  it("asks in German before replacing a pending invitation", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    stubFetch(() => json({ error: { code: "invitation_pending", message: "pending" } }, 409));
    render(<InviteForm />);
    await user.type(screen.getByLabelText("E-Mail"), INVITEE);
    await user.click(screen.getByRole("button", { name: "Einladen" }));
    const dialog = await screen.findByRole("dialog", { name: "Ausstehende Einladung ersetzen?" });
    expect(dialog).toHaveTextContent(`Für ${INVITEE} gibt es bereits eine ausstehende Einladung.`);
  });

  it("sends the bulk form's language with every address, and counts in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch(() =>
      json({
        results: [
          { email: "ada@example.com", outcome: "invited", invitation: { id: "a", url: `${URL_}a`, expires_at: "2030-01-01T00:00:00.000Z" } },
          { email: "bob@example.com", outcome: "user_exists" },
        ],
      }),
    );
    render(<BulkInvite />);
    await user.type(screen.getByLabelText("E-Mail-Adressen"), "ada@example.com, bob@example.com");
    expect(screen.getByText(/2 Adressen gefunden\./)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Sprache"), "English");
    await user.click(screen.getByRole("button", { name: "Alle einladen" }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1));
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toMatchObject({ emails: ["ada@example.com", "bob@example.com"], locale: "en" });
    expect(await screen.findByText("Fertig: 1 neuer Link erstellt, 1 nicht eingeladen. Die Links werden nur hier und jetzt angezeigt.")).toBeInTheDocument();
    expect(screen.getByText("Hat bereits ein Konto")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "1 Link herunterladen (CSV)" })).toBeInTheDocument();
  });
});

describe("CopyLink in German", () => {
  it("says the link is shown once", () => {
    setTestLocale("de");
    render(<CopyLink email={INVITEE} url={URL_} kind="reset" action="re-issued" />);
    expect(screen.getByRole("status")).toHaveTextContent(`Der Link zum Zurücksetzen des Passworts für ${INVITEE} wurde neu ausgestellt`);
    expect(screen.getByRole("textbox", { name: "Link zum Zurücksetzen des Passworts" })).toHaveValue(URL_);
    expect(screen.getByRole("button", { name: "Link kopieren" })).toBeInTheDocument();
  });
});
