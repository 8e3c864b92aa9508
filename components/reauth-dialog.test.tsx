import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { apiFetch } from "./api-client";
import { ReauthDialog } from "./reauth-dialog";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("ReauthDialog in German", () => {
  it("asks for the password in German, refuses a wrong one, and lets the request go ahead once confirmed", async () => {
    setTestLocale("de");
    const user = userEvent.setup();
    let reauthAnswers = [json({ error: { code: "invalid_credentials", message: "x" } }, 401), new Response(null, { status: 204 })];
    let actionAnswers = [json({ error: { code: "reauth_required", message: "x" } }, 403), json({ done: true })];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL) => {
        if (String(input) === "/api/auth/reauth") {
          const [next, ...rest] = reauthAnswers;
          reauthAnswers = rest;
          return next;
        }
        const [next, ...rest] = actionAnswers;
        actionAnswers = rest;
        return next;
      }),
    );
    render(<ReauthDialog email="ada@example.com" />);
    const pending = apiFetch<{ done: boolean }>("/api/users/u1", { body: {} });
    const dialog = await screen.findByTestId("reauth-dialog");
    await waitFor(() => expect(screen.getByRole("heading", { name: "Passwort bestätigen", hidden: true })).toBeInTheDocument());
    expect(dialog).toHaveTextContent("Geben Sie das Passwort für ada@example.com ein");
    const submit = screen.getByRole("button", { name: "Bestätigen und fortfahren", hidden: true });
    await user.click(submit);
    expect(await screen.findByText("Geben Sie Ihr Passwort ein.")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Passwort"), "wrong-password");
    await user.click(submit);
    expect(await screen.findByText("Das Passwort ist nicht richtig. Versuchen Sie es erneut.")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Passwort"), "right-password");
    await user.click(screen.getByRole("button", { name: "Bestätigen und fortfahren", hidden: true }));
    expect(await pending).toEqual({ ok: true, status: 200, data: { done: true } });
    expect(screen.queryByRole("heading", { name: "Passwort bestätigen", hidden: true })).not.toBeInTheDocument();
  });
});
