"use client";

export default function DashboardError({ reset }: { error: Error; reset: () => void }) {
  return (
    <section className="card">
      <div className="alert error" role="alert">
        <p className="alert-title">This page could not be shown.</p>
        <p>Something went wrong on our side. Nothing was changed.</p>
      </div>
      <div className="actions">
        <button type="button" onClick={reset}>
          Try again
        </button>
        <a href="/dashboard">Back to the overview</a>
      </div>
    </section>
  );
}
