import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { estimateStrength } from "@/lib/password-strength";
import { setTestLocale } from "@/lib/testing/intl";
import { ChangePasswordForm } from "./change-password-form";

const PASSWORD_CHANGED = "Password changed. Other sessions were signed out.";

const EMAIL = "ada@example.com";
const CURRENT = "old-harbor-velvet-quartz";
const NEXT = "violet-harbor-quietly-juggles";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function stubFetch(answer: () => Response | Promise<Response> = () => new Response(null, { status: 204 })) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    if (String(input) !== "/api/me/password") throw new Error(`unexpected fetch ${String(input)}`);
    return answer();
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const currentInput = () => screen.getByLabelText("Current password");
const newInput = () => screen.getByLabelText("New password");
const confirmInput = () => screen.getByLabelText("Confirm new password");
const submit = () => screen.getByRole("button", { name: "Change password" });

async function fill(user: ReturnType<typeof userEvent.setup>, current = CURRENT, next = NEXT, confirm = next) {
  if (current) await user.type(currentInput(), current);
  await user.type(newInput(), next);
  await user.type(confirmInput(), confirm);
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ChangePasswordForm", () => {
  it("sends both passwords, then clears the form and says so in a status message", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<ChangePasswordForm email={EMAIL} />);
    expect(screen.getByRole("heading", { name: "Change password" })).toBeInTheDocument();
    await fill(user);
    await user.click(submit());
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent(PASSWORD_CHANGED));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const init = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init[1].method).toBe("POST");
    expect(JSON.parse(String(init[1].body))).toEqual({ current_password: CURRENT, new_password: NEXT });
    expect(currentInput()).toHaveValue("");
    expect(newInput()).toHaveValue("");
    expect(confirmInput()).toHaveValue("");
  });

  it("shows a wrong current password next to that field", async () => {
    const user = userEvent.setup();
    stubFetch(() => json({ error: { code: "invalid_credentials", message: "Your current password is not correct." } }, 401));
    render(<ChangePasswordForm email={EMAIL} />);
    await fill(user);
    await user.click(submit());
    const error = await screen.findByText("Your current password is not correct.");
    expect(error).toHaveAttribute("role", "alert");
    expect(currentInput()).toHaveAttribute("aria-invalid", "true");
    expect(currentInput()).toHaveAttribute("aria-describedby", error.id);
    expect(newInput()).not.toHaveAttribute("aria-invalid");
    expect(screen.getByRole("status")).toBeEmptyDOMElement();
  });

  it("shows the server's weak_password message next to the new password", async () => {
    const user = userEvent.setup();
    const message = "Choose a new password that is different from your current one.";
    stubFetch(() => json({ error: { code: "weak_password", message } }, 400));
    render(<ChangePasswordForm email={EMAIL} />);
    await fill(user);
    await user.click(submit());
    expect(await screen.findByText(message)).toHaveAttribute("role", "alert");
    expect(newInput()).toHaveAttribute("aria-invalid", "true");
    expect(currentInput()).not.toHaveAttribute("aria-invalid");
  });

  it("shows other errors (rate limited) for the whole form", async () => {
    const user = userEvent.setup();
    stubFetch(() => json({ error: { code: "rate_limited", message: "Too many attempts. Wait a moment and try again." } }, 429));
    render(<ChangePasswordForm email={EMAIL} />);
    await fill(user);
    await user.click(submit());
    expect(await screen.findByText(/Too many attempts/)).toHaveClass("alert", "error");
  });

  it("checks locally first: no current password, a short new one, or a mismatch sends nothing", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<ChangePasswordForm email={EMAIL} />);
    await user.click(submit());
    expect(await screen.findByText("Enter your current password.")).toBeInTheDocument();
    expect(screen.getByText(/at least 12 characters \(this one has 0\)/)).toBeInTheDocument();
    await fill(user, CURRENT, NEXT, `${NEXT}x`);
    await user.click(submit());
    expect(await screen.findByText("The passwords don't match.")).toHaveAttribute("role", "alert");
    expect(confirmInput()).toHaveAttribute("aria-invalid", "true");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("is busy while the request runs, so it cannot be sent twice", async () => {
    const user = userEvent.setup();
    let finish!: (r: Response) => void;
    const fetchMock = stubFetch(() => new Promise<Response>((resolve) => (finish = resolve)));
    render(<ChangePasswordForm email={EMAIL} />);
    await fill(user);
    await user.click(submit());
    const busy = await screen.findByRole("button", { name: "Changing password…" });
    expect(busy).toBeDisabled();
    expect(currentInput()).toBeDisabled();
    await user.click(busy);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    finish(new Response(null, { status: 204 }));
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent(PASSWORD_CHANGED));
  });

  it("has the strength meter of onboarding: the label estimateStrength gives for the password and this email", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<ChangePasswordForm email={EMAIL} />);
    expect(screen.queryByTestId("strength")).not.toBeInTheDocument();
    const labels = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
    for (const password of ["password1234", NEXT]) {
      await user.clear(newInput());
      await user.type(newInput(), password);
      const { score } = await estimateStrength(password, EMAIL);
      await waitFor(() => expect(screen.getByTestId("strength").textContent).toMatch(new RegExp(`^Strength: ${labels[score]}( —|$)`)), { timeout: 10_000 });
    }
    expect(screen.getByTestId("strength")).toHaveTextContent(/^Strength: (Strong|Very strong)$/);
  });
});

describe("ChangePasswordForm in German", () => {
  it("labels, local checks, the strength meter and the success message in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<ChangePasswordForm email={EMAIL} />);
    expect(screen.getByRole("heading", { name: "Passwort ändern" })).toBeInTheDocument();
    const submitDe = screen.getByRole("button", { name: "Passwort ändern" });
    await user.click(submitDe);
    expect(await screen.findByText("Geben Sie Ihr aktuelles Passwort ein.")).toHaveAttribute("role", "alert");
    expect(screen.getByText("Verwenden Sie mindestens 12 Zeichen (dieses Passwort hat 0).")).toBeInTheDocument();

    await user.type(screen.getByLabelText("Aktuelles Passwort"), CURRENT);
    await user.type(screen.getByLabelText("Neues Passwort"), "password1234");
    await user.type(screen.getByLabelText("Neues Passwort bestätigen"), "something-else");
    await user.click(submitDe);
    expect(await screen.findByText("Die Passwörter stimmen nicht überein.")).toHaveAttribute("role", "alert");
    // The meter's label and zxcvbn's hint, both German.
    await waitFor(() => expect(screen.getByTestId("strength").textContent).toMatch(/^Stärke: (Sehr schwach|Schwach) – \S/), { timeout: 10_000 });
    expect(screen.getByTestId("strength").textContent).not.toMatch(/password|Strength/i);
    expect(fetchMock).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText("Neues Passwort"));
    await user.clear(screen.getByLabelText("Neues Passwort bestätigen"));
    await user.type(screen.getByLabelText("Neues Passwort"), NEXT);
    await user.type(screen.getByLabelText("Neues Passwort bestätigen"), NEXT);
    await user.click(submitDe);
    await waitFor(() => expect(screen.getByRole("status")).toHaveTextContent("Passwort geändert. Ihre anderen Sitzungen wurden abgemeldet."));
    // The request carries the form's language, so the server answers in it.
    const init = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(new Headers(init[1].headers).get("accept-language")).toBe("de");
  });
});
