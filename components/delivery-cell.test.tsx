import { render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setTestLocale } from "@/lib/testing/intl";
import { DeliveryCell, type Delivery } from "./delivery-cell";

const NOW = new Date("2030-01-01T12:00:00.000Z");
const at = (secondsFromNow: number) => new Date(NOW.getTime() + secondsFromNow * 1000).toISOString();
const base: Delivery = { state: "queued", attempts: 0, next_attempt_at: null, sent_at: null, error: null };

function cell(delivery: Delivery | null, email = "on") {
  const { container } = render(<DeliveryCell delivery={delivery} email={email} />);
  return container.firstElementChild as HTMLElement;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("DeliveryCell", () => {
  it("shows when a sent email went out", () => {
    const el = cell({ ...base, state: "sent", attempts: 1, sent_at: at(-300) });
    expect(el).toHaveTextContent("Emailed 5 minutes ago");
    expect(el.querySelector("time")).toHaveAttribute("datetime", at(-300));
  });

  it("shows queued and sending", () => {
    expect(cell({ ...base, state: "queued" })).toHaveTextContent(/^Queued$/);
    expect(cell({ ...base, state: "sending", attempts: 1 })).toHaveTextContent(/^Sending…$/);
  });

  it("shows the next try and the reason while retrying", () => {
    const el = cell({ ...base, state: "retrying", attempts: 2, next_attempt_at: at(600), error: "connection refused" });
    expect(el).toHaveTextContent("Retrying — next try in 10 minutes (connection refused)");
    expect(cell({ ...base, state: "retrying", attempts: 1, next_attempt_at: at(10), error: null })).toHaveTextContent(/^Retrying — next try in under a minute$/);
  });

  it("shows a failed email as an error with its reason", () => {
    const el = cell({ ...base, state: "failed", attempts: 5, error: "550 mailbox unavailable" });
    expect(el).toHaveTextContent("Not delivered: 550 mailbox unavailable");
    expect(el).toHaveClass("failed");
  });

  it("shows a cancelled email with its reason", () => {
    expect(cell({ ...base, state: "cancelled", error: "link revoked" })).toHaveTextContent("Not sent: link revoked");
    expect(cell({ ...base, state: "cancelled" })).toHaveTextContent(/^Not sent$/);
  });

  it("says link only, or email off, when the invitation was never mailed", () => {
    cell(null, "on");
    expect(screen.getByText("Link only")).toBeInTheDocument();
    cell(null, "off");
    expect(screen.getByText("Email off")).toBeInTheDocument();
  });

  it("speaks German", () => {
    setTestLocale("de");
    expect(cell({ ...base, state: "sent", attempts: 1, sent_at: at(-300) })).toHaveTextContent(/^Zugestellt vor 5 Minuten$/);
    expect(cell({ ...base, state: "retrying", attempts: 2, next_attempt_at: at(600), error: "connection refused" })).toHaveTextContent(
      /^Wird wiederholt – nächster Versuch in 10 Minuten \(connection refused\)$/,
    );
    expect(cell({ ...base, state: "retrying", attempts: 1, next_attempt_at: at(10) })).toHaveTextContent(/^Wird wiederholt – nächster Versuch in weniger als einer Minute$/);
    expect(cell({ ...base, state: "failed", attempts: 5, error: "550 mailbox unavailable" })).toHaveTextContent(/^Nicht zugestellt: 550 mailbox unavailable$/);
    expect(cell({ ...base, state: "cancelled" })).toHaveTextContent(/^Nicht gesendet$/);
    expect(cell({ ...base, state: "queued" })).toHaveTextContent(/^In der Warteschlange$/);
    expect(cell(null, "off")).toHaveTextContent(/^E-Mail aus$/);
    expect(cell(null, "on")).toHaveTextContent(/^Nur Link$/);
  });
});
