import type { Metadata } from "next";
import Link from "next/link";
import { cache } from "react";
import { OnboardingForm } from "@/components/onboarding-form";
import { getDb } from "@/db";
import { mailEnabled } from "@/lib/env";
import { inspectLink, type LinkKind, type LinkProblem } from "@/lib/onboarding";
import { currentSession } from "../current-user";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

// One read of the link per request, shared by the tab title and the page.
const readLink = cache(async (token: string) =>
  token ? inspectLink(await getDb(), token) : ({ ok: false, reason: "invitation_not_found" } as const),
);

async function tokenOf(searchParams: Props["searchParams"]): Promise<string> {
  const raw = (await searchParams).token;
  return typeof raw === "string" ? raw : "";
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const link = await readLink(await tokenOf(searchParams));
  const reset = "kind" in link && link.kind === "reset";
  return { title: reset ? "Reset your password" : "Set up your account", referrer: "no-referrer" };
}

const PROBLEMS: Record<LinkProblem, { title: string; body: string }> = {
  invitation_not_found: {
    title: "This invitation link is not valid",
    body: "Check that you opened the whole link from your invitation. If it still does not work, ask an admin for a new one.",
  },
  invitation_already_used: {
    title: "This invitation has already been used",
    body: "The account it was for is set up. Sign in with its email and password, or ask an admin for a new link.",
  },
  invitation_revoked: { title: "This invitation was revoked", body: "Ask an admin to send you a new invitation link." },
  invitation_expired: { title: "This invitation has expired", body: "Invitation links only work for a limited time. Ask an admin for a new one." },
};

// A reset link (kind "reset") that cannot be used says so in its own words.
const RESET_PROBLEMS: Partial<Record<LinkProblem, { title: string; body: string }>> = {
  invitation_already_used: {
    title: "This reset link has already been used",
    body: "The password was set with it. Sign in with the new password, or ask an admin for a new reset link.",
  },
  invitation_revoked: { title: "This reset link was revoked", body: "Ask an admin for a new reset link." },
  invitation_expired: { title: "This reset link has expired", body: "Reset links only work for a limited time. Ask an admin for a new one." },
};

function problemText(reason: LinkProblem, kind: LinkKind | undefined) {
  return (kind === "reset" ? RESET_PROBLEMS[reason] : undefined) ?? PROBLEMS[reason];
}

// Opening the link reads and shows; it writes nothing (a mail scanner's click cannot burn it).
export default async function OnboardingPage({ searchParams }: Props) {
  const session = await currentSession();
  const token = await tokenOf(searchParams);
  const link = await readLink(token);

  if (!link.ok) {
    const problem = problemText(link.reason, "kind" in link ? link.kind : undefined);
    return (
      <section className="card narrow" data-testid="link-problem" data-reason={link.reason}>
        <h1>{problem.title}</h1>
        <p>{problem.body}</p>
        {/* Always a way onward: sign in (an account may exist already), or ask for a new reset link. */}
        <div className="actions">
          <Link className="button" href="/login">
            Go to sign in
          </Link>
          {"kind" in link && link.kind === "reset" && mailEnabled() ? (
            <Link className="button secondary" href="/forgot-password">
              Email me a new reset link
            </Link>
          ) : null}
        </div>
      </section>
    );
  }
  return (
    <section className="card narrow">
      <h1>{link.kind === "reset" ? `Reset your password for ${link.email}` : "Set up your account"}</h1>
      <OnboardingForm
        email={link.email}
        token={token}
        kind={link.kind}
        signedInAs={session && session.user.email !== link.email ? session.user.email : null}
      />
    </section>
  );
}
