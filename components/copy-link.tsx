"use client";

import { useTranslations } from "next-intl";
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
  const t = useTranslations("admin.copy");
  const { copied, copy } = useCopy(url);
  return (
    <div className="link-box">
      <input aria-label={label} value={url} readOnly onFocus={(e) => e.currentTarget.select()} />
      <button type="button" className={buttonClassName} onClick={copy}>
        {copied ? t("copied") : t("copyLink")}
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
  const t = useTranslations("admin.copy");
  const what = kind === "reset" ? t("resetLink") : t("invitationLink");
  const b = (chunks: React.ReactNode) => <strong>{chunks}</strong>;
  const sentence =
    kind === "reset"
      ? action === "re-issued"
        ? t.rich("freshResetReissued", { email, b })
        : t.rich("freshReset", { email, b })
      : action === "re-issued"
        ? t.rich("freshInviteReissued", { email, b })
        : t.rich("freshInvite", { email, b });
  return (
    <div className="alert success" role="status" data-testid="fresh-link">
      <div>{sentence}</div>
      <LinkBox url={url} label={what} />
    </div>
  );
}

/** A small copy button for a link in a table cell. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const t = useTranslations("admin.copy");
  const { copied, copy } = useCopy(text);
  return (
    <button type="button" className="secondary small" aria-label={label} onClick={copy}>
      {copied ? t("copied") : t("copy")}
    </button>
  );
}
