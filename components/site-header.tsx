import { getTranslations } from "next-intl/server";
import { LanguageSwitcher } from "./language-switcher";
import { LogoutButton } from "./logout-button";
import { NavLinks, type NavItem } from "./nav-links";
import { pageSession } from "./page-session";
import { ReauthDialog } from "./reauth-dialog";

const ADMIN_NAV = [
  ["/dashboard", "overview"],
  ["/dashboard/invitations", "invitations"],
  ["/dashboard/users", "users"],
  ["/dashboard/audit", "audit"],
  ["/account", "account"],
] as const;
const MEMBER_NAV = [
  ["/dashboard", "overview"],
  ["/account", "account"],
] as const;

/** The header on every page; navigation only for a signed-in user, admin pages only for admins. */
export async function SiteHeader() {
  const session = await pageSession();
  const t = await getTranslations("common");
  const nav: NavItem[] = (session?.user.role === "admin" ? ADMIN_NAV : MEMBER_NAV).map(([href, key]) => ({ href, label: t(`nav.${key}`) }));
  return (
    <header className="top">
      <a className="brand" href={session ? "/dashboard" : "/"}>
        <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
          <rect width="32" height="32" rx="7" fill="currentColor" opacity="0.12" />
          <circle cx="12" cy="13" r="4.5" fill="currentColor" />
          <circle cx="21.5" cy="14.5" r="3.5" fill="currentColor" opacity="0.7" />
          <path d="M4.5 26c1-4.5 4-7 7.5-7s6.5 2.5 7.5 7zM17 26c.7-3.2 2.6-5.2 4.8-5.2S26 22.8 27.5 26z" fill="currentColor" />
        </svg>
        {t("appName")}
      </a>
      {session ? <NavLinks items={nav} label={t("nav.label")} /> : null}
      <div className="header-end">
        <LanguageSwitcher />
        {session ? (
          <div className="user-menu">
            <span className="who" title={session.user.email}>
              {session.user.email}
            </span>
            <LogoutButton />
          </div>
        ) : null}
      </div>
      {session ? <ReauthDialog email={session.user.email} /> : null}
    </header>
  );
}
