"use client";

import { LinkBox } from "./copy-link";
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
          <LinkBox url={url} label="Invitation link" buttonClassName="secondary" />
        </>
      ) : null}
    </div>
  );
}
