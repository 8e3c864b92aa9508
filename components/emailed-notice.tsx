"use client";

import { useTranslations } from "next-intl";
import { LinkBox } from "./copy-link";
import { useRelativeTime } from "./relative-time";

/**
 * The sentence shown after a reset link was mailed to its user (the admin never sees the link), in
 * the reader's language: `useResetEmailedText()(email, expiresAt)`.
 */
export function useResetEmailedText(): (email: string, expiresAt: string) => string {
  const t = useTranslations("admin.emailed");
  const relative = useRelativeTime();
  return (email, expiresAt) => t("resetEmailed", { email, expires: relative(expiresAt) });
}

/**
 * An invitation that was queued to be mailed to the invitee. The link is offered once more below,
 * for an admin who also wants to hand it over another way; it will not be shown again.
 */
export function InvitationEmailed({ email, url, action = "made" }: { email: string; url?: string | null; action?: "made" | "re-issued" }) {
  const t = useTranslations("admin.emailed");
  return (
    <div className="alert success" role="status" data-testid="emailed-invitation">
      <p className="alert-title">{t("title", { email })}</p>
      <p>{action === "re-issued" ? t("bodyReissued") : t("body")}</p>
      {url ? (
        <>
          <p className="hint">{t("copyToo")}</p>
          <LinkBox url={url} label={t("linkLabel")} buttonClassName="secondary" />
        </>
      ) : null}
    </div>
  );
}
