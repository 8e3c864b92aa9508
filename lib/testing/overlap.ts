// Makes a race a race. Two operations started together in one test process often run one after
// the other anyway (the first is done before the second has a connection), which lets a
// check-then-write bug pass. Here they queue behind locks another transaction holds, and are let
// go at once: on Postgres they then really overlap. On PGlite they still take turns.
import { getDb, type DB } from "../../db";

class RolledBack extends Error {}

/**
 * Runs `race` while a transaction holds the locks `hold` takes; after `holdMs` that transaction is
 * rolled back (nothing it wrote stays) and whatever `race` started runs on. Returns `race`'s result.
 */
export async function raceBehindLocks<T>(hold: (tx: DB) => Promise<unknown>, race: () => Promise<T>, holdMs = 300): Promise<T> {
  const db = await getDb();
  let locked!: () => void;
  let release!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  const holder = db
    .transaction(async (tx) => {
      await hold(tx as unknown as DB);
      locked();
      await released;
      throw new RolledBack();
    })
    .catch((err) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  await Promise.race([isLocked, holder]);
  const pending = race();
  pending.catch(() => {}); // awaited below; no unhandled rejection meanwhile
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  release();
  await holder;
  return pending;
}
