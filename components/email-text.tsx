/**
 * An address that, when it must wrap, wraps before its "@" ("claude.shannon / @example.com") rather
 * than in the middle of a word. The text (and so every test and screen reader) is unchanged.
 */
export function EmailText({ email }: { email: string }) {
  const at = email.lastIndexOf("@");
  if (at <= 0) return <>{email}</>;
  return (
    <>
      {email.slice(0, at)}
      <wbr />
      {email.slice(at)}
    </>
  );
}
