import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { LoginForm } from "./login-form";

const router = vi.hoisted(() => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

const EMAIL = "ada@example.com";
const PASSWORD = "violet-harbor-quietly-juggles";
const SUBMIT = "Sign in";
const BUSY = "Signing in…";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

function stubFetch(respond: () => Response | Promise<Response> = () => json({ user: { email: EMAIL } })) {
  const fetchMock = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => respond());
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

const emailInput = () => screen.getByLabelText("Email");
const passwordInput = () => screen.getByLabelText("Password");

async function signIn(user: ReturnType<typeof userEvent.setup>, email = EMAIL, password = PASSWORD) {
  if (email) await user.type(emailInput(), email);
  if (password) await user.type(passwordInput(), password);
  await user.click(screen.getByRole("button", { name: SUBMIT }));
}

beforeEach(() => {
  router.replace.mockReset();
  router.push.mockReset();
  router.refresh.mockReset();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("LoginForm", () => {
  it("posts the credentials and navigates to the next prop on success", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<LoginForm next="/dashboard/team?tab=users" />);
    await signIn(user);
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard/team?tab=users"));
    expect(router.replace).toHaveBeenCalledTimes(1);
    expect(router.push).not.toHaveBeenCalled();

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/auth/login");
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("content-type")).toBe("application/json");
    expect(JSON.parse(String(init?.body))).toEqual({ email: EMAIL, password: PASSWORD });
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("shows the server's message on 401 and does not navigate", async () => {
    const user = userEvent.setup();
    const message = "That email and password don't match an account.";
    stubFetch(() => json({ error: { code: "invalid_credentials", message } }, 401));
    render(<LoginForm next="/dashboard" />);
    await signIn(user);
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(router.replace).not.toHaveBeenCalled();
    expect(router.push).not.toHaveBeenCalled();
    expect(router.refresh).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled();
    expect(passwordInput()).toBeEnabled();
  });

  it("shows a readable fallback for a 401 without a JSON body", async () => {
    const user = userEvent.setup();
    stubFetch(() => new Response("Unauthorized", { status: 401 }));
    render(<LoginForm next="/dashboard" />);
    await signIn(user);
    expect(await screen.findByRole("alert")).toHaveTextContent("The server answered 401. Please try again.");
    expect(router.replace).not.toHaveBeenCalled();
  });

  it("asks for both fields when they are empty and makes no fetch call", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<LoginForm next="/dashboard" />);
    await user.click(screen.getByRole("button", { name: SUBMIT }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter your email and password.");
    expect(fetchMock).not.toHaveBeenCalled();
    expect(router.replace).not.toHaveBeenCalled();
  });

  it("treats a blank email or a missing password as empty", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<LoginForm next="/dashboard" />);
    // A type="email" input strips surrounding whitespace itself, so "   " arrives as "".
    await signIn(user, "   ", PASSWORD);
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter your email and password.");
    await user.clear(passwordInput());
    await user.clear(emailInput());
    await signIn(user, EMAIL, "");
    expect(screen.getByRole("alert")).toHaveTextContent("Enter your email and password.");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("is busy while the request is pending", async () => {
    const user = userEvent.setup();
    const pending = deferred<Response>();
    stubFetch(() => pending.promise);
    const { container } = render(<LoginForm next="/dashboard" />);
    const form = container.querySelector("form")!;
    expect(form).toHaveAttribute("aria-busy", "false");
    await signIn(user);

    const busy = await screen.findByRole("button", { name: BUSY });
    expect(busy).toBeDisabled();
    expect(screen.queryByRole("button", { name: SUBMIT })).not.toBeInTheDocument();
    expect(emailInput()).toBeDisabled();
    expect(passwordInput()).toBeDisabled();
    expect(form).toHaveAttribute("aria-busy", "true");
    expect(router.replace).not.toHaveBeenCalled();

    await act(async () => {
      pending.resolve(json({ user: { email: EMAIL } }));
    });
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard"));
    expect(form).toHaveAttribute("aria-busy", "false");
  });

  it("offers the Forgot password? link only when email is on", () => {
    const { unmount } = render(<LoginForm next="/dashboard" forgotPassword />);
    expect(screen.getByRole("link", { name: "Forgot password?" })).toHaveAttribute("href", "/forgot-password");
    unmount();
    render(<LoginForm next="/dashboard" />);
    expect(screen.queryByRole("link", { name: "Forgot password?" })).not.toBeInTheDocument();
  });

  it("shows a readable error on network failure and re-enables the form", async () => {
    const user = userEvent.setup();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    render(<LoginForm next="/dashboard" />);
    await signIn(user);
    expect(await screen.findByRole("alert")).toHaveTextContent(/could not reach the server/i);
    expect(router.replace).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: SUBMIT })).toBeEnabled();
  });
});

describe("LoginForm in German", () => {
  it("labels, asks for both fields, offers the reset link and shows fallbacks in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch(() => new Response("Unauthorized", { status: 401 }));
    render(<LoginForm next="/dashboard" forgotPassword />);
    expect(screen.getByRole("link", { name: "Passwort vergessen?" })).toHaveAttribute("href", "/forgot-password");
    const submitDe = screen.getByRole("button", { name: "Anmelden" });
    await user.click(submitDe);
    expect(await screen.findByRole("alert")).toHaveTextContent("Geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein.");
    expect(fetchMock).not.toHaveBeenCalled();

    await user.type(screen.getByLabelText("E-Mail"), EMAIL);
    await user.type(screen.getByLabelText("Passwort"), PASSWORD);
    await user.click(submitDe);
    expect(await screen.findByRole("alert")).toHaveTextContent("Der Server hat mit 401 geantwortet. Bitte versuchen Sie es erneut.");
    // The server is asked in the form's language too.
    expect(new Headers(fetchMock.mock.calls[0][1]?.headers).get("accept-language")).toBe("de");
  });

  it("is busy in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    stubFetch(() => deferred<Response>().promise);
    render(<LoginForm next="/dashboard" />);
    await user.type(screen.getByLabelText("E-Mail"), EMAIL);
    await user.type(screen.getByLabelText("Passwort"), PASSWORD);
    await user.click(screen.getByRole("button", { name: "Anmelden" }));
    expect(await screen.findByRole("button", { name: "Anmeldung läuft…" })).toBeDisabled();
  });
});
