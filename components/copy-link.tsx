"use client";

import { useState } from "react";

/** Copies text to the clipboard; `copied` says whether the last copy worked. */
function useCopy(text: string): { copied: boolean; copy: () => Promise<void> } {
  const [copied, setCopied] = useState(false);
  return {
    copied,
    copy: async () => {
      try {
        await navigator.clipboard.writeText(text);
        setCopied(true);
      } catch {
        setCopied(false);
      }
    },
  };
}

/** A read-only link (selected on focus) with its Copy button. */
export function LinkBox({ url, label, buttonClassName }: { url: string; label: string; buttonClassName?: string }) {
  const { copied, copy } = useCopy(url);
  return (
    <div className="link-box">
      <input aria-label={label} value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
      <button type="button" className={buttonClassName} onClick={copy}>
        {copied ? "Copied" : "Copy link"}
      </button>
    </div>
  );
}

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
  return (
    <div className="alert success" role="status" data-testid="fresh-link">
      <div>
        {what} for <strong>{email}</strong> {action === "re-issued" ? "re-issued" : "ready"} — copy it now and send it yourself. It will
        not be shown again.
      </div>
      <LinkBox url={url} label={what} />
    </div>
  );
}

/** A small copy button for a link in a table cell. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const { copied, copy } = useCopy(text);
  return (
    <button type="button" className="secondary small" aria-label={label} onClick={copy}>
      {copied ? "Copied" : "Copy"}
    </button>
  );
}
