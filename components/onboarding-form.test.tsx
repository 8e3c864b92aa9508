import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ADVERSARIAL_PASSWORDS } from "@/lib/testing/adversarial-passwords";
import { setTestLocale } from "@/lib/testing/intl";
import { OnboardingForm } from "./onboarding-form";

const router = vi.hoisted(() => ({ replace: vi.fn(), push: vi.fn(), refresh: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

const EMAIL = "ada@example.com";
const TOKEN = "link+secret/with=odd&chars";
const JWT = "eyJhbGciOiJIUzI1NiJ9.onboarding.sig";
const GOOD_PASSWORD = "violet-harbor-quietly-juggles";
const SUBMIT = "Set password and sign in";
const BUSY = "Setting up your account…";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

/** fetch that answers get_token with a JWT and claim_token with a user unless overridden. */
function stubFetch(overrides: { getToken?: Handler; claim?: Handler } = {}) {
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    if (url.startsWith("/api/onboarding/get_token")) {
      return overrides.getToken ? overrides.getToken(url, init) : json({ onboarding_token: JWT });
    }
    if (url === "/api/onboarding/claim_token") {
      return overrides.claim ? overrides.claim(url, init) : json({ user: { email: EMAIL } });
    }
    throw new Error(`unexpected fetch ${url}`);
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const passwordInput = () => screen.getByLabelText("New password");
const confirmInput = () => screen.getByLabelText("Confirm password");
const submitButton = () => screen.getByRole("button", { name: SUBMIT });

async function fillAndSubmit(user: ReturnType<typeof userEvent.setup>, password = GOOD_PASSWORD, confirm = password) {
  await user.type(passwordInput(), password);
  await user.type(confirmInput(), confirm);
  await user.click(submitButton());
}

beforeEach(() => {
  router.replace.mockReset();
  router.push.mockReset();
  router.refresh.mockReset();
  window.history.replaceState(null, "", "/");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("OnboardingForm: what it shows", () => {
  it("shows the invited email and no signed-in note by default", () => {
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    expect(screen.getByText(/You were invited as/)).toHaveTextContent(`You were invited as ${EMAIL}.`);
    expect(screen.queryByRole("note")).not.toBeInTheDocument();
    expect(submitButton()).toBeEnabled();
  });

  it("with signedInAs, names the other account in a note", () => {
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} signedInAs="grace@example.com" />);
    const note = screen.getByRole("note");
    expect(note).toHaveTextContent("You are signed in as grace@example.com");
    expect(note).toHaveTextContent(EMAIL);
  });

  it("removes the link secret from the address bar", () => {
    stubFetch();
    window.history.replaceState(null, "", "/onboarding?token=abc");
    expect(window.location.search).toBe("?token=abc");
    render(<OnboardingForm email={EMAIL} token="abc" />);
    expect(window.location.search).toBe("");
    expect(window.location.pathname).toBe("/onboarding");
    expect(window.location.href).not.toContain("abc");
  });
});

describe("OnboardingForm: inline validation", () => {
  it("shows 'at least 12 characters' after blur for a short password", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordInput(), "short-pass1"); // 11 characters
    // Not shown while still typing the first time.
    expect(screen.queryByText(/at least 12 characters/)).not.toBeInTheDocument();
    await user.tab();
    const error = await screen.findByText(/at least 12 characters/);
    expect(error).toHaveAttribute("role", "alert");
    expect(error).toHaveTextContent("this one has 11");
    expect(passwordInput()).toHaveAttribute("aria-invalid", "true");
  });

  it("shows 'at least 12 characters' on submit and makes no fetch call", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user, "tooshort", "tooshort");
    expect(await screen.findByText(/at least 12 characters/)).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(router.replace).not.toHaveBeenCalled();
  });

  it("shows 'at least 12 characters' when submitting an empty form, with no fetch call", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.click(submitButton());
    expect(await screen.findByText(/at least 12 characters/)).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows \"don't match\" for a mismatched confirmation and makes no fetch call", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user, GOOD_PASSWORD, `${GOOD_PASSWORD}x`);
    expect(await screen.findByText(/don't match/)).toHaveAttribute("role", "alert");
    expect(confirmInput()).toHaveAttribute("aria-invalid", "true");
    expect(screen.queryByText(/at least 12 characters/)).not.toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(router.replace).not.toHaveBeenCalled();
  });

  it("shows \"don't match\" after blurring the confirmation field", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordInput(), GOOD_PASSWORD);
    await user.type(confirmInput(), "something-else-entirely");
    expect(screen.queryByText(/don't match/)).not.toBeInTheDocument();
    await user.tab();
    expect(await screen.findByText(/don't match/)).toBeInTheDocument();
  });
});

describe("OnboardingForm: characters are counted as graphemes", () => {
  const thumb = "👍🏽"; // 1 grapheme, 4 UTF-16 code units

  it("11 emoji with skin tones are 11 characters: still too short", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    const pw = thumb.repeat(11);
    expect(pw.length).toBe(44);
    await user.click(passwordInput());
    await user.paste(pw);
    await user.click(confirmInput());
    await user.paste(pw);
    await user.click(submitButton());
    const error = await screen.findByText(/at least 12 characters/);
    expect(error).toHaveTextContent("this one has 11");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("12 emoji with skin tones satisfy the length rule (and then the strength rule refuses a repeat, before any request)", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    const pw = thumb.repeat(12);
    await user.click(passwordInput());
    await user.paste(pw);
    await user.click(confirmInput()); // blurs the password field
    expect(screen.queryByText(/at least 12 characters/)).not.toBeInTheDocument();
    expect(passwordInput()).not.toHaveAttribute("aria-invalid");
    await user.paste(pw);
    await user.click(submitButton());
    await waitFor(() => expect(passwordInput()).toHaveAttribute("aria-invalid", "true"));
    expect(screen.queryByText(/at least 12 characters/)).not.toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});

describe("OnboardingForm: a password the policy refuses", () => {
  it("a weak password is refused in the browser, under the password field, focused, with no request", { timeout: 20_000 }, async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user, "password1234password", "password1234password");
    await waitFor(() => expect(passwordInput()).toHaveAttribute("aria-invalid", "true"));
    expect(passwordInput()).toHaveFocus();
    const help = document.getElementById(passwordInput().getAttribute("aria-describedby")!)!;
    expect(help.querySelector(".field-error")).not.toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(router.replace).not.toHaveBeenCalled();
    // Typing again clears it.
    await user.type(passwordInput(), "x");
    expect(passwordInput()).not.toHaveAttribute("aria-invalid");
  });

  it("the server's weak_password sits under the password field, not in the form's alert; a mismatch focuses the confirmation", { timeout: 20_000 }, async () => {
    const user = userEvent.setup();
    stubFetch({ claim: () => json({ error: { code: "weak_password", message: "That password is too easy to guess." } }, 400) });
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    await waitFor(() => expect(passwordInput()).toHaveAttribute("aria-invalid", "true"));
    const help = document.getElementById(passwordInput().getAttribute("aria-describedby")!)!;
    expect(help).toHaveTextContent("That password is too easy to guess.");
    expect(passwordInput()).toHaveFocus();
    expect(screen.queryByRole("alert", { name: "" })?.classList.contains("error") ?? false).toBe(false);
  });

  it("a mismatched confirmation is tied to its field and focused", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user, GOOD_PASSWORD, `${GOOD_PASSWORD}x`);
    expect(confirmInput()).toHaveFocus();
    const error = document.getElementById(confirmInput().getAttribute("aria-describedby")!)!;
    expect(error).toHaveTextContent("The passwords don't match.");
  });
});

describe("OnboardingForm: submitting", () => {
  it("is busy while the claim request is pending", async () => {
    const user = userEvent.setup();
    const pending = deferred<Response>();
    stubFetch({ claim: () => pending.promise });
    const { container } = render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    const form = container.querySelector("form")!;
    expect(form).toHaveAttribute("aria-busy", "false");

    await fillAndSubmit(user);

    const busyButton = await screen.findByRole("button", { name: BUSY });
    expect(busyButton).toBeDisabled();
    expect(screen.queryByRole("button", { name: SUBMIT })).not.toBeInTheDocument();
    expect(passwordInput()).toBeDisabled();
    expect(confirmInput()).toBeDisabled();
    expect(form).toHaveAttribute("aria-busy", "true");
    expect(router.replace).not.toHaveBeenCalled();

    await act(async () => {
      pending.resolve(json({ user: { email: EMAIL } }));
    });
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard"));
    // Still busy while the dashboard loads: the form cannot be sent a second time.
    expect(form).toHaveAttribute("aria-busy", "true");
    expect(screen.getByRole("button", { name: BUSY })).toBeDisabled();
  });

  it("gets an onboarding token, then claims with it as a Bearer token", async () => {
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));

    const [firstUrl, firstInit] = fetchMock.mock.calls[0];
    expect(firstUrl).toBe(`/api/onboarding/get_token?token=${encodeURIComponent(TOKEN)}`);
    expect(firstUrl).toBe("/api/onboarding/get_token?token=link%2Bsecret%2Fwith%3Dodd%26chars");
    expect(firstInit?.method ?? "GET").toBe("GET");
    expect(firstInit?.body).toBeUndefined();

    const [secondUrl, secondInit] = fetchMock.mock.calls[1];
    expect(secondUrl).toBe("/api/onboarding/claim_token");
    expect(secondInit?.method).toBe("POST");
    const headers = new Headers(secondInit?.headers);
    expect(headers.get("authorization")).toBe(`Bearer ${JWT}`);
    expect(headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(String(secondInit?.body))).toEqual({ token: TOKEN, password: GOOD_PASSWORD });
  });

  it("navigates to /dashboard on success", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard"));
    expect(router.replace).toHaveBeenCalledTimes(1);
    expect(router.push).not.toHaveBeenCalled();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});

describe("OnboardingForm: errors", () => {
  it("shows a 409 claim error in an alert and does not navigate", async () => {
    const user = userEvent.setup();
    const message = "This invitation has already been used…";
    const fetchMock = stubFetch({ claim: () => json({ error: { code: "invitation_already_used", message } }, 409) });
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(message);
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(router.replace).not.toHaveBeenCalled();
    expect(router.push).not.toHaveBeenCalled();
    expect(router.refresh).not.toHaveBeenCalled();
    expect(submitButton()).toBeEnabled();
  });

  it("shows a get_token failure (410 revoked), does not claim and does not navigate", async () => {
    const user = userEvent.setup();
    const message = "This invitation was revoked. Ask for a new one.";
    const fetchMock = stubFetch({ getToken: () => json({ error: { code: "invitation_revoked", message } }, 410) });
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(fetchMock.mock.calls.some(([url]) => String(url).includes("claim_token"))).toBe(false);
    expect(router.replace).not.toHaveBeenCalled();
    expect(router.push).not.toHaveBeenCalled();
    expect(submitButton()).toBeEnabled();
  });

  it("shows a readable error on network failure, does not navigate, and re-enables the button", async () => {
    const user = userEvent.setup();
    const fetchMock = vi.fn(async () => {
      throw new TypeError("Failed to fetch");
    });
    vi.stubGlobal("fetch", fetchMock);
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/could not reach the server/i);
    expect(alert).not.toHaveTextContent(/Failed to fetch/);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(router.replace).not.toHaveBeenCalled();
    expect(router.push).not.toHaveBeenCalled();
    expect(submitButton()).toBeEnabled();
    expect(passwordInput()).toBeEnabled();
  });

  it("clears a previous server error when submitting again", async () => {
    const user = userEvent.setup();
    let calls = 0;
    stubFetch({
      getToken: () => (++calls === 1 ? json({ error: { code: "rate_limited", message: "Too many attempts." } }, 429) : json({ onboarding_token: JWT })),
    });
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await fillAndSubmit(user);
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many attempts.");
    await user.click(submitButton());
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard"));
    expect(screen.queryByText("Too many attempts.")).not.toBeInTheDocument();
  });
});

describe("OnboardingForm: strength meter", () => {
  it("appears after typing", { timeout: 20_000 }, async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    expect(screen.queryByTestId("strength")).not.toBeInTheDocument();
    await user.type(passwordInput(), "password1234");
    const strength = await screen.findByTestId("strength", {}, { timeout: 10_000 });
    expect(strength).toHaveTextContent(/^Strength: /);
    // A dictionary password is rated weak, with a hint.
    expect(strength).toHaveTextContent(/Strength: (Very weak|Weak)/);
  });

  // The same inputs and verdicts as the server's policy test (lib/password-strength.bounded.test.ts):
  // the meter in the browser and the rule on the server judge a long hostile password alike.
  it("rates long adversarial passwords as the server's policy does", { timeout: 60_000 }, async () => {
    stubFetch();
    for (const { name, password, strong } of ADVERSARIAL_PASSWORDS) {
      // A fresh form each time, so no earlier estimate can be on screen.
      const { unmount } = render(<OnboardingForm email="alice@example.com" token={TOKEN} />);
      fireEvent.change(passwordInput(), { target: { value: password } });
      const strength = await screen.findByTestId("strength", {}, { timeout: 10_000 });
      expect(strength.textContent, name).toMatch(strong ? /^Strength: (Strong|Very strong)/ : /^Strength: (Very weak|Weak|Fair)/);
      unmount();
    }
  });
});

describe("OnboardingForm: a reset link (kind reset)", () => {
  const RESET_SUBMIT = "Set new password and sign in";

  it("asks for a new password for the address and says every device is signed out; no invitation wording", () => {
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} kind="reset" />);
    expect(screen.getByText(/Choose a new password for/)).toHaveTextContent(`Choose a new password for ${EMAIL}.`);
    expect(screen.getByText(/Choose a new password for/)).toHaveTextContent(/differ from the current one/);
    expect(screen.getByText(/Choose a new password for/)).toHaveTextContent(/Every device signed in to this account will be signed out/);
    expect(screen.queryByText(/You were invited/)).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: RESET_SUBMIT })).toBeEnabled();
  });

  it("claims through the same endpoints, and shows the server's same-password refusal", async () => {
    const user = userEvent.setup();
    const message = "Choose a new password: it must differ from the current one.";
    const fetchMock = stubFetch({ claim: () => json({ error: { code: "weak_password", message } }, 400) });
    render(<OnboardingForm email={EMAIL} token={TOKEN} kind="reset" />);
    await user.type(passwordInput(), GOOD_PASSWORD);
    await user.type(confirmInput(), GOOD_PASSWORD);
    await user.click(screen.getByRole("button", { name: RESET_SUBMIT }));
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(fetchMock.mock.calls.map(([url]) => String(url))).toEqual([
      `/api/onboarding/get_token?token=${encodeURIComponent(TOKEN)}`,
      "/api/onboarding/claim_token",
    ]);
    expect(router.replace).not.toHaveBeenCalled();
    expect(screen.getByRole("button", { name: RESET_SUBMIT })).toBeEnabled();
  });

  it("navigates to /dashboard once the new password is set", async () => {
    const user = userEvent.setup();
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} kind="reset" />);
    await user.type(passwordInput(), GOOD_PASSWORD);
    await user.type(confirmInput(), GOOD_PASSWORD);
    await user.click(screen.getByRole("button", { name: RESET_SUBMIT }));
    await waitFor(() => expect(router.replace).toHaveBeenCalledWith("/dashboard"));
  });
});

describe("OnboardingForm in German (an invitation in German, or a reader who chose it)", () => {
  const passwordDe = () => screen.getByLabelText("Neues Passwort");
  const confirmDe = () => screen.getByLabelText("Passwort bestätigen");
  const submitDe = () => screen.getByRole("button", { name: "Passwort festlegen und anmelden" });

  it("greets, explains and labels in German, with the signed-in note", () => {
    setTestLocale("de");
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} signedInAs="grace@example.com" />);
    expect(screen.getByText(/Sie wurden als/)).toHaveTextContent(`Sie wurden als ${EMAIL} eingeladen.`);
    expect(screen.getAllByText(EMAIL, { selector: "strong" })).toHaveLength(2);
    expect(screen.getByRole("note")).toHaveTextContent("Sie sind als grace@example.com angemeldet.");
    expect(screen.getByText(/Mindestens 12 Zeichen\./)).toBeInTheDocument();
    expect(submitDe()).toBeEnabled();
  });

  it("a reset link in German", () => {
    setTestLocale("de");
    stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} kind="reset" />);
    expect(screen.getByText(/Wählen Sie ein neues Passwort für/)).toHaveTextContent(/Es muss sich vom aktuellen unterscheiden/);
    expect(screen.getByRole("button", { name: "Neues Passwort festlegen und anmelden" })).toBeEnabled();
  });

  it("says the length rule and a mismatch in German, sending nothing", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordDe(), "kurz");
    await user.type(confirmDe(), "anders");
    await user.click(submitDe());
    expect(await screen.findByText("Verwenden Sie mindestens 12 Zeichen (dieses Passwort hat 4).")).toHaveAttribute("role", "alert");
    expect(screen.getByText("Die Passwörter stimmen nicht überein.")).toHaveAttribute("role", "alert");
    expect(passwordDe()).toHaveFocus();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("refuses a weak password with the German policy sentence and zxcvbn's German feedback, in the meter too", { timeout: 20_000 }, async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const fetchMock = stubFetch();
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordDe(), "password1234password");
    await user.type(confirmDe(), "password1234password");
    await user.click(submitDe());
    await waitFor(() => expect(passwordDe()).toHaveAttribute("aria-invalid", "true"));
    const error = screen.getByText(/^Dieses Passwort ist zu leicht zu erraten\. \S/);
    expect(error).toHaveAttribute("role", "alert");
    // zxcvbn's hint is German (@zxcvbn-ts/language-de), not its English sentence.
    expect(error.textContent).not.toMatch(/\b(the|is|are|avoid|add)\b/i);
    const meter = await screen.findByTestId("strength", {}, { timeout: 10_000 });
    expect(meter.textContent).toMatch(/^Stärke: (Sehr schwach|Schwach|Mittel) – \S/);
    expect(meter.textContent).not.toMatch(/\b(the|is|are|avoid|add)\b/i);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("asks the server in German, and shows its answer and the busy label", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    const claim = deferred<Response>();
    const fetchMock = stubFetch({ claim: () => claim.promise });
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordDe(), GOOD_PASSWORD);
    await user.type(confirmDe(), GOOD_PASSWORD);
    await user.click(submitDe());
    expect(await screen.findByRole("button", { name: "Ihr Konto wird eingerichtet…" })).toBeDisabled();
    for (const [, init] of fetchMock.mock.calls) expect(new Headers(init?.headers).get("accept-language")).toBe("de");
    await act(async () => claim.resolve(json({ error: { code: "invitation_revoked", message: "Diese Einladung wurde widerrufen." } }, 410)));
    expect(await screen.findByRole("alert")).toHaveTextContent("Diese Einladung wurde widerrufen.");
  });

  it("a network failure is reported in German", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    render(<OnboardingForm email={EMAIL} token={TOKEN} />);
    await user.type(passwordDe(), GOOD_PASSWORD);
    await user.type(confirmDe(), GOOD_PASSWORD);
    await user.click(submitDe());
    expect(await screen.findByRole("alert")).toHaveTextContent("Der Server ist nicht erreichbar.");
  });
});
