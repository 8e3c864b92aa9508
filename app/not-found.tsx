import Link from "next/link";

export const metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <section className="card narrow not-found">
      <p className="code" aria-hidden="true">
        404
      </p>
      <h1>This page does not exist</h1>
      <p className="muted">The address may be mistyped, or the page is not available to your account.</p>
      <p>
        <Link className="button" href="/">
          Go to the start page
        </Link>
      </p>
    </section>
  );
}
