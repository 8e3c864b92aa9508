"use client";

import { useTranslations } from "next-intl";
import { useCallback, useEffect, useId, useRef, useState } from "react";
import { keepTabInside } from "./focus-trap";

export type ConfirmOptions = {
  title: string;
  body: React.ReactNode;
  confirmLabel: string;
  /** The dismissing button's label; "Cancel" in the page's language when not given. */
  cancelLabel?: string;
  /** A destructive action gets the red button. */
  danger?: boolean;
};

/**
 * A native modal `<dialog>` (showModal: the rest of the page is inert, Escape cancels). Focus goes to
 * Cancel when it opens, Tab cycles inside it, and focus goes back to whatever had it (the button that
 * asked) when it closes.
 */
export function ConfirmDialog({ options, onClose }: { options: ConfirmOptions | null; onClose: (confirmed: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const ids = useId();
  const t = useTranslations("auth.confirm");

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (options && !dialog.open) {
      returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      cancelRef.current?.focus();
    } else if (!options && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [options]);

  const finish = useCallback(
    (confirmed: boolean) => {
      const dialog = ref.current;
      if (dialog?.open) {
        if (typeof dialog.close === "function") dialog.close();
        else dialog.removeAttribute("open");
      }
      const target = returnTo.current;
      returnTo.current = null;
      onClose(confirmed);
      if (target?.isConnected) target.focus();
    },
    [onClose],
  );

  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-body`}
      onKeyDown={keepTabInside}
      onCancel={(e) => {
        e.preventDefault();
        finish(false);
      }}
    >
      {options ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            finish(true);
          }}
        >
          <h2 id={`${ids}-title`}>{options.title}</h2>
          <div id={`${ids}-body`}>{options.body}</div>
          <div className="actions">
            <button ref={cancelRef} type="button" className="secondary" onClick={() => finish(false)}>
              {options.cancelLabel ?? t("cancel")}
            </button>
            <button type="submit" className={options.danger ? "danger solid" : undefined}>
              {options.confirmLabel}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}

/** `const { confirm, dialog } = useConfirm()`; render `dialog`, then `if (await confirm({...})) …`. */
export function useConfirm() {
  const [pending, setPending] = useState<{ options: ConfirmOptions; resolve: (ok: boolean) => void } | null>(null);
  const confirm = useCallback((options: ConfirmOptions) => new Promise<boolean>((resolve) => setPending({ options, resolve })), []);
  const onClose = useCallback(
    (ok: boolean) => {
      pending?.resolve(ok);
      setPending(null);
    },
    [pending],
  );
  return { confirm, dialog: <ConfirmDialog options={pending?.options ?? null} onClose={onClose} /> };
}
