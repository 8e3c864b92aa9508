/**
 * Coalesces reads by key that arrive together into one statement: every key asked for during one turn
 * of the event loop is looked up by a single query (`fetch(keys)`), sent once that turn's I/O has been
 * handled (setImmediate), and each caller gets its own row or null. Under load, the requests that
 * arrive together share one round trip, one plan execution and one result message instead of each
 * paying for their own; alone, a read waits for nothing but the end of its turn.
 *
 * What a caller sees does not change: its query is always sent after it asked (it never joins one
 * already on its way, which could answer from before a write the caller has seen committed), and a
 * failed query fails each of its callers with the same error. A key asked for twice in one batch is
 * fetched once.
 */
export function coalesce<K, R>(fetch: (keys: K[]) => Promise<R[]>, keyOf: (row: R) => K, maxKeys = 100): (key: K) => Promise<R | null> {
  type Waiter = { resolve(row: R | null): void; reject(err: unknown): void };
  type Batch = Map<K, Waiter[]>;
  let open: Batch | null = null;

  const send = (batch: Batch) => {
    if (open !== batch) return; // sent already, when it filled up
    open = null;
    let rows: Promise<R[]>;
    try {
      rows = fetch([...batch.keys()]);
    } catch (err) {
      rows = Promise.reject(err);
    }
    rows.then(
      (rows) => {
        const byKey = new Map(rows.map((row) => [keyOf(row), row]));
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(byKey.get(key) ?? null);
      },
      (err) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
      },
    );
  };

  return (key) =>
    new Promise<R | null>((resolve, reject) => {
      if (!open) {
        const batch: Batch = (open = new Map());
        setImmediate(() => send(batch));
      }
      const waiters = open.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else open.set(key, [{ resolve, reject }]);
      // A full batch leaves now (its setImmediate then finds it sent); the next key opens another.
      if (open.size >= maxKeys) send(open);
    });
}
