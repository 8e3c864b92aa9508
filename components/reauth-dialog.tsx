"use client";

import { useLocale, useTranslations } from "next-intl";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { apiFetch, setReauthHandler } from "./api-client";
import { keepTabInside } from "./focus-trap";

/**
 * The password prompt for actions that need a recent sign-in (lib/authz.ts REAUTH). Mounted once on
 * every signed-in page (components/site-header.tsx); components/api-client.ts opens it when the server
 * answers 403 reauth_required and, once the password is accepted, repeats the request the person made.
 * Whatever they typed in the page behind stays as it was. A native modal <dialog>: Escape cancels,
 * focus goes to the password field, and back to where it was when it closes.
 */
export function ReauthDialog({ email }: { email: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const resolveRef = useRef<((ok: boolean) => void) | null>(null);
  const t = useTranslations("auth.reauth");
  const locale = useLocale();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped after a refused password: focus goes back to the field once it is enabled again.
  const [refused, setRefused] = useState(0);

  useEffect(
    () =>
      setReauthHandler(
        () =>
          new Promise<boolean>((resolve) => {
            resolveRef.current = resolve;
            returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
            setPassword("");
            setError(null);
            setOpen(true);
          }),
      ),
    [],
  );

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      inputRef.current?.focus();
    } else if (!open && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [open]);

  useEffect(() => {
    if (refused > 0 && !busy) inputRef.current?.focus();
  }, [refused, busy]);

  const finish = useCallback((ok: boolean) => {
    setOpen(false);
    setPassword("");
    const resolve = resolveRef.current;
    resolveRef.current = null;
    resolve?.(ok);
    const target = returnTo.current;
    returnTo.current = null;
    if (target?.isConnected) target.focus();
  }, []);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!password) {
      setError(t("required"));
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    const result = await apiFetch<null>("/api/auth/reauth", { body: { password }, noReauth: true, locale });
    setBusy(false);
    if (result.ok) {
      finish(true);
      return;
    }
    if (result.code === "unauthorized") {
      // The session itself ended meanwhile: nothing to confirm any more.
      finish(false);
      return;
    }
    setError(result.code === "invalid_credentials" ? t("wrong") : result.message);
    setPassword("");
    setRefused((n) => n + 1);
  }

  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      data-testid="reauth-dialog"
      onKeyDown={keepTabInside}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) finish(false);
      }}
    >
      {open ? (
        <form onSubmit={onSubmit} noValidate aria-busy={busy}>
          <h2 id={`${ids}-title`}>{t("title")}</h2>
          <p id={`${ids}-body`}>{t.rich("body", { email, strong: (chunks) => <strong>{chunks}</strong> })}</p>
          <label htmlFor={`${ids}-password`}>{t("password")}</label>
          <input
            ref={inputRef}
            id={`${ids}-password`}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${ids}-error` : undefined}
          />
          {error ? (
            <p id={`${ids}-error`} className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => finish(false)} disabled={busy}>
              {t("cancel")}
            </button>
            <button type="submit" disabled={busy}>
              {t(busy ? "busy" : "submit")}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
