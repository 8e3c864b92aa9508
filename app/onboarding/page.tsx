import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { NextIntlClientProvider } from "next-intl";
import { getLocale, getTranslations } from "next-intl/server";
import { cache } from "react";
import { OnboardingForm } from "@/components/onboarding-form";
import { getDb } from "@/db";
import { mailEnabled } from "@/lib/env";
import { inspectLink, type LinkProblem } from "@/lib/onboarding";
import { onboardingPageLocale } from "@/lib/onboarding-locale";
import { MESSAGES } from "@/messages";
import { currentSession } from "../current-user";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

// One read of the link per request, shared by the tab title and the page.
const readLink = cache(async (token: string) =>
  token ? inspectLink(await getDb(), token) : ({ ok: false, reason: "invitation_not_found" } as const),
);

/**
 * The language of this page's content: the reader's switcher choice, else the invitation's
 * language (the admin chose it), else Accept-Language (lib/onboarding-locale.ts).
 */
const linkLocale = cache(async (token: string) => {
  const link = await readLink(token);
  const h = await headers();
  return onboardingPageLocale(h.get("cookie"), h.get("accept-language"), { locale: "locale" in link ? link.locale : null });
});

async function tokenOf(searchParams: Props["searchParams"]): Promise<string> {
  const raw = (await searchParams).token;
  return typeof raw === "string" ? raw : "";
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const token = await tokenOf(searchParams);
  const link = await readLink(token);
  const t = await getTranslations({ locale: await linkLocale(token), namespace: "onboarding" });
  const reset = "kind" in link && link.kind === "reset";
  return { title: t(reset ? "title.reset" : "title.invite"), referrer: "no-referrer" };
}

// Opening the link reads and shows; it writes nothing (a mail scanner's click cannot burn it).
export default async function OnboardingPage({ searchParams }: Props) {
  const session = await currentSession();
  const token = await tokenOf(searchParams);
  const link = await readLink(token);
  const locale = await linkLocale(token);
  const t = await getTranslations({ locale, namespace: "onboarding" });
  // The header around it speaks the page's language; this section says when it speaks another.
  const lang = locale !== (await getLocale()) ? locale : undefined;

  if (!link.ok) {
    const kind = "kind" in link ? link.kind : undefined;
    const reason: LinkProblem = link.reason;
    // A reset link (kind "reset") that cannot be used says so in its own words.
    const title = kind === "reset" && reason !== "invitation_not_found" ? t(`resetProblem.${reason}.title`) : t(`problem.${reason}.title`);
    const body = kind === "reset" && reason !== "invitation_not_found" ? t(`resetProblem.${reason}.body`) : t(`problem.${reason}.body`);
    return (
      <section className="card narrow" data-testid="link-problem" data-reason={link.reason} lang={lang}>
        <h1>{title}</h1>
        <p>{body}</p>
        {/* Always a way onward: sign in (an account may exist already), or ask for a new reset link. */}
        <div className="actions">
          <Link className="button" href="/login">
            {t("goToSignIn")}
          </Link>
          {kind === "reset" && mailEnabled() ? (
            <Link className="button secondary" href="/forgot-password">
              {t("newResetLink")}
            </Link>
          ) : null}
        </div>
      </section>
    );
  }
  return (
    <section className="card narrow" lang={lang}>
      <h1>{link.kind === "reset" ? t("heading.reset", { email: link.email }) : t("heading.invite")}</h1>
      {/* The form, its policy messages and its strength meter in this section's language. */}
      <NextIntlClientProvider locale={locale} messages={MESSAGES[locale]}>
        <OnboardingForm
          email={link.email}
          token={token}
          kind={link.kind}
          signedInAs={session && session.user.email !== link.email ? session.user.email : null}
        />
      </NextIntlClientProvider>
    </section>
  );
}
