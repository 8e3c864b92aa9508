"use client";

import { useState } from "react";

/** A freshly issued invitation link with a Copy button. Links are shown once: only their hash is kept. */
export function CopyLink({ email, url }: { email: string; url: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert success" role="status">
      <div>
        Invitation link for <strong>{email}</strong> — copy it now; it is shown only once.
      </div>
      <div className="link-box">
        <input aria-label="Invitation link" value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
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
