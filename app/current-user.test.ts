import { RequestCookies } from "next/dist/server/web/spec-extension/cookies";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createUserWithSession } from "@/lib/testing/api";

// The request a page sees: next/headers' headers() and cookies() built from one Cookie header, the
// way Next builds them (cookies() is Next's own RequestCookies over the same headers).
const incoming = { headers: new Headers() };
vi.mock("server-only", () => ({}));
vi.mock("next/server", () => ({ connection: async () => {} }));
vi.mock("next/headers", () => ({
  headers: async () => incoming.headers,
  cookies: async () => new RequestCookies(incoming.headers),
}));

const { currentSession } = await import("./current-user");

function visit(cookie: string) {
  incoming.headers = new Headers({ cookie });
}

describe("currentSession (pages)", () => {
  beforeEach(() => visit(""));

  it("is the session's user for a single session cookie", async () => {
    const { user, cookie } = await createUserWithSession("member");
    visit(`theme=dark; ${cookie}`);
    expect((await currentSession())?.user.id).toBe(user.id);
  });

  it("is signed out when two session cookies arrive, even if both are valid", async () => {
    const mine = await createUserWithSession("member");
    const planted = await createUserWithSession("member");
    visit(`${planted.cookie}; ${mine.cookie}`);
    expect(await currentSession()).toBeNull();
    visit(`${mine.cookie}; ${planted.cookie}`);
    expect(await currentSession()).toBeNull();
    visit(`${mine.cookie}; ${mine.cookie}`);
    expect(await currentSession()).toBeNull();
  });
});
