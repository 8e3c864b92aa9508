export default function Loading() {
  return (
    <p className="loading" aria-busy="true">
      Loading…
    </p>
  );
}
