import { fireEvent, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { ConfirmDialog, useConfirm } from "./confirm-dialog";

function Harness() {
  const { confirm, dialog } = useConfirm();
  const [answer, setAnswer] = useState("none");
  return (
    <>
      <button
        type="button"
        onClick={async () =>
          setAnswer(String(await confirm({ title: "Revoke this invitation?", body: <p>The link stops working.</p>, confirmLabel: "Revoke invitation", danger: true })))
        }
      >
        Revoke
      </button>
      <output data-testid="answer">{answer}</output>
      {dialog}
    </>
  );
}

const opener = () => screen.getByRole("button", { name: "Revoke" });

describe("useConfirm / ConfirmDialog", () => {
  it("shows no dialog until asked", () => {
    render(<Harness />);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("opens a named, described dialog with focus on Cancel", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(opener());
    const dialog = await screen.findByRole("dialog", { name: "Revoke this invitation?" });
    expect(dialog.tagName).toBe("DIALOG");
    expect(dialog).toHaveAccessibleDescription("The link stops working.");
    expect(screen.getByRole("button", { name: "Cancel" })).toHaveFocus();
    expect(screen.getByRole("button", { name: "Revoke invitation" })).toHaveClass("danger");
  });

  it("resolves true on confirm, closes and returns focus to the button that asked", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(opener());
    await user.click(await screen.findByRole("button", { name: "Revoke invitation" }));
    expect(screen.getByTestId("answer")).toHaveTextContent("true");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener()).toHaveFocus();
  });

  it("resolves false on Cancel and returns focus", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(opener());
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    expect(screen.getByTestId("answer")).toHaveTextContent("false");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(opener()).toHaveFocus();
  });

  it("treats Escape (the dialog's cancel event) as No", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(opener());
    const dialog = await screen.findByRole("dialog");
    fireEvent(dialog, new Event("cancel", { cancelable: true }));
    expect(await screen.findByTestId("answer")).toHaveTextContent("false");
    expect(opener()).toHaveFocus();
  });

  it("can be asked again after an answer", async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(opener());
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    await user.click(opener());
    await user.click(await screen.findByRole("button", { name: "Revoke invitation" }));
    expect(screen.getByTestId("answer")).toHaveTextContent("true");
  });
});

describe("ConfirmDialog keeps Tab inside", () => {
  it("Tab from the last button goes to the first, Shift+Tab from the first to the last", async () => {
    const user = userEvent.setup();
    render(<ConfirmDialog options={{ title: "Sure?", body: "Really.", confirmLabel: "Do it" }} onClose={() => {}} />);
    const cancel = screen.getByRole("button", { name: "Cancel", hidden: true });
    const go = screen.getByRole("button", { name: "Do it", hidden: true });
    expect(cancel).toHaveFocus();
    await user.tab();
    expect(go).toHaveFocus();
    await user.tab();
    expect(cancel).toHaveFocus();
    await user.tab({ shift: true });
    expect(go).toHaveFocus();
  });
});

describe("ConfirmDialog's own label", () => {
  it("says Cancel in the page's language, unless the caller names it", () => {
    setTestLocale("de");
    const { unmount } = render(<ConfirmDialog options={{ title: "Sicher?", body: "Wirklich.", confirmLabel: "Widerrufen" }} onClose={() => {}} />);
    expect(screen.getByRole("button", { name: "Abbrechen", hidden: true })).toHaveFocus();
    unmount();
    render(<ConfirmDialog options={{ title: "Sicher?", body: "Wirklich.", confirmLabel: "Ersetzen", cancelLabel: "Behalten" }} onClose={() => {}} />);
    expect(screen.getByRole("button", { name: "Behalten", hidden: true })).toHaveFocus();
    expect(screen.queryByRole("button", { name: "Abbrechen", hidden: true })).not.toBeInTheDocument();
  });
});
