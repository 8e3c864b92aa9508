import Link from "next/link";
import { getTranslations } from "next-intl/server";

export async function generateMetadata() {
  const t = await getTranslations("common.notFound");
  return { title: t("title") };
}

export default async function NotFound() {
  const t = await getTranslations("common.notFound");
  return (
    <section className="card narrow not-found">
      <p className="code" aria-hidden="true">
        404
      </p>
      <h1>{t("heading")}</h1>
      <p className="muted">{t("body")}</p>
      <p>
        <Link className="button" href="/">
          {t("home")}
        </Link>
      </p>
    </section>
  );
}
