// What each email says: plain text and HTML, no remote images, no tracking. Built from an outbox
// row's `data` (never a secret) and, for a link, the URL opened from its sealed secret at send time.

export type MessageKind = "invitation" | "reset" | "invitation_accepted" | "password_changed" | "reset_claimed";

export type MessageData = {
  app: string;
  /** The recipient's address as shown. */
  email: string;
  role?: "admin" | "member";
  /** The inviting (or resetting) admin's address; null: the command line, or the sign-in page. */
  by?: string | null;
  /** For a reset: who asked. */
  requested?: "admin" | "self_service";
  expires_at?: string;
  /** For a notice: whose invitation was accepted, and when things happened. */
  invitee?: string;
  at?: string;
};

export type RenderedMessage = { subject: string; text: string; html: string };

/** "Monday, 30 November 2026, 14:05 UTC": absolute, in UTC, the same for every reader. */
export function utcTime(iso: string): string {
  const d = new Date(iso);
  const date = d.toLocaleDateString("en-GB", { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const time = d.toLocaleTimeString("en-GB", { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hour12: false });
  return `${date}, ${time} UTC`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

type Block = { p: string } | { link: string; label: string } | { small: string };

function render(subject: string, blocks: Block[]): RenderedMessage {
  const text = blocks
    .map((b) => ("p" in b ? b.p : "link" in b ? `${b.label}:\n${b.link}` : b.small))
    .join("\n\n");
  const html = [
    `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="margin:0;padding:24px;background:#f6f7f9;color:#111827;font:16px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif">`,
    `<div style="max-width:560px;margin:0 auto;background:#ffffff;border:1px solid #e5e7eb;border-radius:8px;padding:24px">`,
    ...blocks.map((b) =>
      "p" in b
        ? `<p style="margin:0 0 16px">${escapeHtml(b.p)}</p>`
        : "link" in b
          ? `<p style="margin:0 0 16px"><a href="${escapeHtml(b.link)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;padding:10px 16px;border-radius:6px;text-decoration:none;font-weight:600">${escapeHtml(b.label)}</a></p>` +
            `<p style="margin:0 0 16px;font-size:13px;color:#4b5563">Or paste this address into your browser:<br><span style="word-break:break-all">${escapeHtml(b.link)}</span></p>`
          : `<p style="margin:0 0 16px;font-size:13px;color:#4b5563">${escapeHtml(b.small)}</p>`,
    ),
    `</div></body></html>`,
  ].join("");
  return { subject, text: `${text}\n`, html };
}

const roleName = (role: MessageData["role"]) => (role === "admin" ? "an admin" : "a member");

export function renderMessage(kind: MessageKind, d: MessageData, url: string | null): RenderedMessage {
  switch (kind) {
    case "invitation": {
      const who = d.by ? `${d.by} has invited you` : "You have been invited";
      return render(`You're invited to ${d.app}`, [
        { p: `Hello,` },
        { p: `${who} to join ${d.app} as ${roleName(d.role)}, with the address ${d.email}.` },
        { link: url!, label: "Accept the invitation and set your password" },
        { p: `This link works once and expires on ${utcTime(d.expires_at!)}.` },
        { small: `If you did not expect this invitation, ignore this email: nothing happens unless the link is used.` },
      ]);
    }
    case "reset": {
      const who =
        d.requested === "self_service"
          ? "Someone asked on the sign-in page to reset the password"
          : `${d.by ?? "An admin"} has sent you a link to reset the password`;
      return render(`Reset your password for ${d.app}`, [
        { p: `Hello,` },
        { p: `${who} of your ${d.app} account, ${d.email}.` },
        { link: url!, label: "Choose a new password" },
        { p: `This link works once and expires on ${utcTime(d.expires_at!)}. Setting a new password signs you out everywhere else.` },
        { small: `If you did not ask for this, ignore this email: your password stays as it is and nothing changes.` },
      ]);
    }
    case "invitation_accepted":
      return render(`${d.invitee} joined ${d.app}`, [
        { p: `Hello,` },
        { p: `${d.invitee} accepted your invitation and joined ${d.app} as ${roleName(d.role)} on ${utcTime(d.at!)}.` },
        { small: `You receive this because you sent the invitation.` },
      ]);
    case "password_changed":
      return render(`Your ${d.app} password was changed`, [
        { p: `Hello,` },
        { p: `The password of your ${d.app} account, ${d.email}, was changed on ${utcTime(d.at!)}. Every other session was signed out.` },
        { p: `If this wasn't you, reset your password from the sign-in page at once, or ask an admin to reset your access.` },
      ]);
    case "reset_claimed":
      return render(`Your ${d.app} password was reset`, [
        { p: `Hello,` },
        { p: `A password-reset link for your ${d.app} account, ${d.email}, was used on ${utcTime(d.at!)} to set a new password. Every other session was signed out.` },
        { p: `If this wasn't you, ask an admin to reset your access at once.` },
      ]);
  }
}
