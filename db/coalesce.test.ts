import { describe, expect, it } from "vitest";
import { coalesce } from "./coalesce";

type Row = { key: string; value: string };

/** A fetch that records each batch of keys it was sent and answers when told to. */
function recorder() {
  const batches: string[][] = [];
  const pending: Array<() => void> = [];
  const fetch = (keys: string[]) => {
    batches.push(keys);
    return new Promise<Row[]>((resolve) => pending.push(() => resolve(keys.filter((k) => !k.startsWith("missing")).map((key) => ({ key, value: `row ${key}` })))));
  };
  const answerAll = () => pending.splice(0).forEach((answer) => answer());
  return { batches, fetch, answerAll };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("coalesce: reads asked for in the same turn share one statement", () => {
  it("sends every key asked for in one turn as one batch, and gives each caller its own row or null", async () => {
    const r = recorder();
    const lookup = coalesce(r.fetch, (row: Row) => row.key);
    const asked = ["a", "b", "missing-1", "c"].map((k) => lookup(k));
    expect(r.batches).toEqual([]); // nothing is sent before the turn's I/O is handled
    await turn();
    expect(r.batches).toEqual([["a", "b", "missing-1", "c"]]);
    r.answerAll();
    expect(await Promise.all(asked)).toEqual([{ key: "a", value: "row a" }, { key: "b", value: "row b" }, null, { key: "c", value: "row c" }]);
  });

  it("fetches a key asked for twice in a batch once, and answers both callers", async () => {
    const r = recorder();
    const lookup = coalesce(r.fetch, (row: Row) => row.key);
    const asked = [lookup("a"), lookup("a"), lookup("b")];
    await turn();
    r.answerAll();
    expect(r.batches).toEqual([["a", "b"]]);
    expect((await Promise.all(asked)).map((row) => row?.key)).toEqual(["a", "a", "b"]);
  });

  it("never lets a caller join a query already sent: a key asked for meanwhile goes in the next one", async () => {
    // A query already on its way may answer from before a write this caller saw committed
    // (a revoked link must read as revoked once the revocation has answered).
    const r = recorder();
    const lookup = coalesce(r.fetch, (row: Row) => row.key);
    const first = lookup("a");
    await turn();
    expect(r.batches).toEqual([["a"]]);
    const second = lookup("a"); // the first query has not answered yet
    await turn();
    expect(r.batches).toEqual([["a"], ["a"]]);
    r.answerAll();
    expect([(await first)?.key, (await second)?.key]).toEqual(["a", "a"]);
  });

  it("sends a batch as soon as it is full, and the rest of the turn's keys in the next one", async () => {
    const r = recorder();
    const lookup = coalesce(r.fetch, (row: Row) => row.key, 3);
    const asked = ["a", "b", "c", "d", "e"].map((k) => lookup(k));
    expect(r.batches).toEqual([["a", "b", "c"]]);
    await turn();
    expect(r.batches).toEqual([["a", "b", "c"], ["d", "e"]]);
    r.answerAll();
    expect((await Promise.all(asked)).map((row) => row?.key)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("fails every caller of a failed query with its error, and the next turn queries again", async () => {
    let calls = 0;
    const lost = Object.assign(new Error("Connection terminated unexpectedly"), { code: undefined });
    const lookup = coalesce(
      async (keys: string[]) => {
        calls++;
        if (calls === 1) throw lost;
        return keys.map((key) => ({ key, value: key }));
      },
      (row: Row) => row.key,
    );
    const results = await Promise.allSettled([lookup("a"), lookup("b")]);
    expect(results).toEqual([
      { status: "rejected", reason: lost },
      { status: "rejected", reason: lost },
    ]);
    expect((await lookup("a"))?.key).toBe("a");
    expect(calls).toBe(2);
  });

  it("turns a fetch that throws before returning a promise into a rejection, not an uncaught exception", async () => {
    const lookup = coalesce(
      (): Promise<Row[]> => {
        throw new TypeError("bad input");
      },
      (row: Row) => row.key,
    );
    await expect(lookup("a")).rejects.toThrow("bad input");
  });
});
