"use client";

import { useState } from "react";
import { relativeTime } from "./relative-time";

/** The sentence shown after a reset link was mailed to its user (the admin never sees the link). */
export function resetEmailedText(email: string, expiresAt: string): string {
  return `A password reset link was emailed to ${email}. It works once and expires ${relativeTime(expiresAt)}.`;
}

/**
 * An invitation that was queued to be mailed to the invitee. The link is offered once more below,
 * for an admin who also wants to hand it over another way; it will not be shown again.
 */
export function InvitationEmailed({ email, url, action = "made" }: { email: string; url?: string | null; action?: "made" | "re-issued" }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert success" role="status" data-testid="emailed-invitation">
      <p className="alert-title">Invitation emailed to {email}</p>
      <p>
        {action === "re-issued" ? "A fresh link is on its way; the old one no longer works. " : ""}
        The list below shows when it is delivered.
      </p>
      {url ? (
        <>
          <p className="hint">You can also copy the link now; it will not be shown again.</p>
          <div className="link-box">
            <input aria-label="Invitation link" value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              className="secondary"
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
        </>
      ) : null}
    </div>
  );
}
