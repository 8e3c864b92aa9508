"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useLocale, useTranslations } from "next-intl";
import { useId, useState } from "react";
import { apiFetch } from "./api-client";

/** `forgotPassword`: offer the "Forgot password?" link (only while email is on). */
export function LoginForm({ next, forgotPassword = false }: { next: string; forgotPassword?: boolean }) {
  const router = useRouter();
  const t = useTranslations("auth.login");
  const locale = useLocale();
  const ids = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) {
      setError(t("missing"));
      return;
    }
    setBusy(true);
    try {
      const result = await apiFetch("/api/auth/login", { body: { email, password }, locale });
      if (!result.ok) {
        setError(result.message);
        return;
      }
      router.replace(next);
      router.refresh();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-busy={busy}>
      <label htmlFor={`${ids}-email`}>{t("email")}</label>
      <input id={`${ids}-email`} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} disabled={busy} />
      <label htmlFor={`${ids}-password`}>{t("password")}</label>
      <input
        id={`${ids}-password`}
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        disabled={busy}
      />
      {forgotPassword ? (
        <p className="field-link">
          <Link href="/forgot-password">{t("forgot")}</Link>
        </p>
      ) : null}
      {error ? (
        <p className="alert error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {t(busy ? "busy" : "submit")}
        </button>
      </div>
    </form>
  );
}
