// Browser-side JSON calls to our own API. Errors come back as { code, message } for display: the
// server's message (in the request's language), or this file's own fallback in the page's language.
import { DEFAULT_LOCALE, isLocale, type Locale } from "@/lib/i18n/locales";
import { translate } from "@/lib/i18n/translate";

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; code: string; message: string };

type ApiInit = {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Do not ask for the password on 403 reauth_required (the re-authentication call itself). */
  noReauth?: boolean;
  /**
   * The language of the part of the page that asks, when it may differ from the page's own (the
   * onboarding form speaks its invitation's language): sent as Accept-Language, so the server's
   * messages match it (the switcher's cookie still wins, as it does for the page), and used for the
   * fallback messages here.
   */
  locale?: Locale;
};

/** The page's language (<html lang>, set by the root layout from the same choice the server made). */
function pageLocale(): Locale {
  const lang = typeof document === "undefined" ? null : document.documentElement.lang;
  return isLocale(lang) ? lang : DEFAULT_LOCALE;
}

/**
 * Asks the person to confirm their password (components/reauth-dialog.tsx, mounted on signed-in
 * pages) and resolves true once the server accepted it. Concurrent requests share one dialog.
 */
type ReauthHandler = () => Promise<boolean>;
let reauthHandler: ReauthHandler | null = null;
let reauthInFlight: Promise<boolean> | null = null;

export function setReauthHandler(handler: ReauthHandler): () => void {
  reauthHandler = handler;
  return () => {
    if (reauthHandler === handler) reauthHandler = null;
  };
}

function askForPassword(): Promise<boolean> {
  if (!reauthHandler) return Promise.resolve(false);
  reauthInFlight ??= reauthHandler().finally(() => {
    reauthInFlight = null;
  });
  return reauthInFlight;
}

/** Whether a 403 reauth_required answer is waiting for the password dialog right now (tests). */
export function reauthPending(): boolean {
  return reauthInFlight !== null;
}

/**
 * One JSON request. When the server answers 403 reauth_required (a sensitive action on a session
 * that has not proven its password recently), the password dialog opens; once it succeeds the same
 * request is sent once more, so the caller (and whatever the person typed) simply waits. Cancelled,
 * the caller gets the reauth_required error to show.
 */
export async function apiFetch<T>(path: string, init: ApiInit = {}): Promise<ApiResult<T>> {
  const result = await send<T>(path, init);
  if (!result.ok && result.code === "reauth_required" && !init.noReauth && (await askForPassword())) {
    return send<T>(path, { ...init, noReauth: true });
  }
  return result;
}

async function send<T>(path: string, init: ApiInit): Promise<ApiResult<T>> {
  const locale = init.locale ?? pageLocale();
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
      headers: {
        ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...(init.locale ? { "Accept-Language": init.locale } : {}),
        ...init.headers,
      },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    return { ok: false, status: 0, code: "network_error", message: translate(locale, "auth.client.unreachable") };
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.ok) return { ok: true, status: res.status, data: data as T };
  const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
  return {
    ok: false,
    status: res.status,
    code: error?.code ?? "unknown_error",
    message: error?.message ?? translate(locale, "auth.client.status", { status: String(res.status) }),
  };
}

/**
 * Before a plain link or download that needs a recent password (the audit export): asks for it
 * first when this session is not fresh. Resolves false when the person cancelled.
 */
export async function ensureRecentPassword(): Promise<boolean> {
  const me = await send<{ session?: { fresh?: boolean } }>("/api/me", {});
  if (me.ok && me.data.session?.fresh) return true;
  if (!me.ok && me.code !== "reauth_required") return true; // let the action itself report the problem
  return askForPassword();
}
