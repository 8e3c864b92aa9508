import type { Metadata } from "next";
import { headers } from "next/headers";
import "./globals.css";

export const metadata: Metadata = {
  title: "Team dashboard",
  description: "Invite teammates by link; they set a password and are signed in.",
  referrer: "strict-origin-when-cross-origin",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Dynamic on purpose: every page gets the per-request CSP nonce (see proxy.ts).
  await headers();
  return (
    <html lang="en">
      <body>
        <header className="top">
          <a href="/dashboard">Team dashboard</a>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
