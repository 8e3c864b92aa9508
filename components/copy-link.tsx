"use client";

import { useState } from "react";

/**
 * A freshly issued invitation link with a Copy button. Links are shown once: only their hash is kept,
 * so this is the one place the link ever appears.
 */
export function CopyLink({
  email,
  url,
  action = "made",
  kind = "invite",
}: {
  email: string;
  url: string;
  action?: "made" | "re-issued";
  kind?: "invite" | "reset";
}) {
  const what = kind === "reset" ? "Password reset link" : "Invitation link";
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert success" role="status" data-testid="fresh-link">
      <div>
        {what} for <strong>{email}</strong> {action === "re-issued" ? "re-issued" : "ready"} — copy it now and send it yourself. It will
        not be shown again.
      </div>
      <div className="link-box">
        <input aria-label={what} value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
        <button
          type="button"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(url);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? "Copied" : "Copy link"}
        </button>
      </div>
    </div>
  );
}

/** A small copy button for a link in a table cell. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="secondary small"
      aria-label={label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
