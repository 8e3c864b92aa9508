import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { ForgotPasswordForm, waitText } from "./forgot-password-form";

const ACCEPTED = "If an account uses this address, a link to reset its password is on its way. It works once, for one hour.";
const SUBMIT = "Email me a reset link";

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function stubFetch(respond: () => Response | Promise<Response>) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => respond());
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const emailInput = () => screen.getByLabelText("Email");

async function ask(user: ReturnType<typeof userEvent.setup>, email: string) {
  await user.clear(emailInput());
  await user.type(emailInput(), email);
  await user.click(screen.getByRole("button", { name: SUBMIT }));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ForgotPasswordForm", () => {
  it("posts the address and shows the server's message in a status region that stays", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch(() => json({ status: "accepted", message: ACCEPTED }, 202));
    render(<ForgotPasswordForm />);
    expect(screen.getByRole("link", { name: "Back to sign in" })).toHaveAttribute("href", "/login");
    await ask(user, "ada@example.com");

    expect(await screen.findByText(/If an account uses this address/)).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent(ACCEPTED);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/auth/forgot");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual({ email: "ada@example.com" });

    // The form stays usable, and the message stays while another address is typed and sent.
    expect(emailInput()).toBeEnabled();
    expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled();
    await user.type(emailInput(), "x");
    expect(screen.getByRole("status")).toHaveTextContent(ACCEPTED);
    await ask(user, "grace@example.com");
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(screen.getByRole("status")).toHaveTextContent(ACCEPTED);
  });

  it("ties a 400's message to the Email field", async () => {
    const user = userEvent.setup();
    stubFetch(() => json({ error: { code: "invalid_request", message: "email: Enter an email address like name@example.com." } }, 400));
    render(<ForgotPasswordForm />);
    await ask(user, "not-an-address");

    const error = await screen.findByText("Enter an email address like name@example.com.");
    expect(emailInput()).toHaveAttribute("aria-invalid", "true");
    expect(emailInput()).toHaveAttribute("aria-describedby", error.id);
    expect(emailInput()).toHaveAccessibleDescription("Enter an email address like name@example.com.");
    expect(screen.getByRole("status")).toBeEmptyDOMElement();
  });

  it("asks for an address without calling the server when the field is empty", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch(() => json({}, 202));
    render(<ForgotPasswordForm />);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(emailInput()).toHaveAccessibleDescription("Enter the email address you sign in with.");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("says to wait as long as Retry-After says on 429", async () => {
    const user = userEvent.setup();
    stubFetch(() => json({ error: { code: "rate_limited", message: "Too many attempts." } }, 429, { "Retry-After": "300" }));
    render(<ForgotPasswordForm />);
    await ask(user, "ada@example.com");
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many requests from here. Wait about 5 minutes and try again.");
    expect(emailInput()).not.toHaveAttribute("aria-invalid");
    expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled();
  });

  it("is busy while the request is pending", async () => {
    const user = userEvent.setup();
    let resolve!: (r: Response) => void;
    stubFetch(() => new Promise<Response>((r) => (resolve = r)));
    const { container } = render(<ForgotPasswordForm />);
    await ask(user, "ada@example.com");
    expect(container.querySelector("form")).toHaveAttribute("aria-busy", "true");
    expect(screen.getByRole("button", { name: SUBMIT })).toBeDisabled();
    await act(async () => resolve(json({ status: "accepted", message: ACCEPTED }, 202)));
    expect(container.querySelector("form")).toHaveAttribute("aria-busy", "false");
  });

  it("reports a network failure", async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    render(<ForgotPasswordForm />);
    await ask(user, "ada@example.com");
    expect(await screen.findByRole("alert")).toHaveTextContent(/could not reach the server/i);
  });
});

describe("waitText", () => {
  it("turns Retry-After seconds into words", () => {
    expect(waitText("30")).toBe("30 seconds");
    expect(waitText("60")).toBe("a minute");
    expect(waitText("61")).toBe("about 2 minutes");
    expect(waitText("3600")).toBe("about 60 minutes");
    expect(waitText("7200")).toBe("about 2 hours");
    expect(waitText(null)).toBe("a few minutes");
    expect(waitText("Wed, 21 Oct 2015 07:28:00 GMT")).toBe("a few minutes");
  });
});

describe("in German", () => {
  it("waitText says the wait in German", () => {
    expect(waitText("1", "de")).toBe("eine Sekunde");
    expect(waitText("30", "de")).toBe("30 Sekunden");
    expect(waitText("60", "de")).toBe("eine Minute");
    expect(waitText("61", "de")).toBe("etwa 2 Minuten");
    expect(waitText("7200", "de")).toBe("etwa 2 Stunden");
    expect(waitText(null, "de")).toBe("ein paar Minuten");
  });

  it("asks for an address and reports a 429 in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch(() => json({ error: { code: "rate_limited", message: "Zu viele Versuche." } }, 429, { "Retry-After": "300" }));
    render(<ForgotPasswordForm />);
    const submitDe = screen.getByRole("button", { name: "Link zum Zurücksetzen per E-Mail senden" });
    await user.click(submitDe);
    expect(screen.getByLabelText("E-Mail")).toHaveAccessibleDescription("Geben Sie die E-Mail-Adresse ein, mit der Sie sich anmelden.");
    expect(fetchMock).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText("E-Mail"), "ada@example.com");
    await user.click(submitDe);
    expect(await screen.findByRole("alert")).toHaveTextContent("Zu viele Anfragen von hier. Warten Sie etwa 5 Minuten und versuchen Sie es dann erneut.");
    expect(screen.getByRole("link", { name: "Zurück zur Anmeldung" })).toHaveAttribute("href", "/login");
  });
});
