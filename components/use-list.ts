"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api-client";

/** Filters, search and the page cursor live in the query string: a view can be shared, and Back works. */
export function useQueryParams() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const get = useCallback((key: string) => params.get(key) ?? "", [params]);
  const set = useCallback(
    (patch: Record<string, string | null>) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === "") next.delete(k);
        else next.set(k, v);
      }
      // A new filter starts again from the first page.
      if (!("cursor" in patch)) next.delete("cursor");
      const qs = next.toString();
      router.push(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
    },
    [params, pathname, router],
  );
  return { params, get, set };
}

/** `unavailable`: the server does not offer this list (404/405); ListBody says so in the reader's language. */
export type ListState<T> = { status: "loading" } | { status: "error"; message: string; unavailable?: boolean } | { status: "ok"; data: T };

/** GETs `url` whenever it changes; `reload()` fetches it again (after an action). */
export function useApiGet<T>(url: string) {
  const [state, setState] = useState<ListState<T>>({ status: "loading" });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- loading data when the URL changes
    setState((s) => (s.status === "ok" ? s : { status: "loading" }));
    void apiFetch<T>(url).then((r) => {
      if (!live) return;
      if (r.ok) setState({ status: "ok", data: r.data });
      else
        setState({ status: "error", message: r.message, unavailable: r.status === 404 || r.status === 405 });
    });
    return () => {
      live = false;
    };
  }, [url, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { state, reload };
}

export function apiUrl(path: string, query: Record<string, string | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}
