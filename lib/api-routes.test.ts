import { describe, expect, it } from "vitest";
import { API_ROUTES, allowedMethods, matchApiRoute } from "./api-routes.mjs";
import { ACCESS } from "./authz";

describe("lib/api-routes.mjs", () => {
  it("lists exactly the routes and methods of lib/authz.ts ACCESS (itself checked against the route files)", () => {
    const fromAccess: Record<string, string[]> = {};
    for (const key of Object.keys(ACCESS)) {
      const [method, path] = key.split(" ");
      (fromAccess[path] ??= []).push(method);
    }
    const sorted = (table: Record<string, string[]>) =>
      Object.fromEntries(
        Object.keys(table)
          .sort()
          .map((k) => [k, [...table[k]].sort()]),
      );
    expect(sorted(API_ROUTES)).toEqual(sorted(fromAccess));
  });

  it("matches dynamic segments, prefers a static one, and knows nothing else", () => {
    expect(allowedMethods("/api/invitations")).toEqual(["GET", "POST", "HEAD", "OPTIONS"]);
    expect(allowedMethods("/api/users/4b1e0c9e-1111-4222-8333-944444444444")).toEqual(["DELETE", "PATCH", "OPTIONS"]);
    expect(allowedMethods("/api/users/anything/reset")).toEqual(["POST", "OPTIONS"]);
    expect(allowedMethods("/api/sessions/revoke_others")).toEqual(["POST", "OPTIONS"]);
    expect(allowedMethods("/api/invitations/bulk")).toEqual(["POST", "OPTIONS"]);
    for (const unknown of ["/api", "/api/", "/api/nope", "/api/users//reset", "/api/users/x/y/z", "/dashboard"]) {
      expect(allowedMethods(unknown), unknown).toBeNull();
    }
  });

  it("names the route a path belongs to and its params, still encoded", () => {
    expect(matchApiRoute("/api/users/caf%C3%A9/reset")).toEqual({ pattern: "/api/users/:id/reset", methods: ["POST"], params: { id: "caf%C3%A9" } });
    expect(matchApiRoute("/api/sessions/revoke_others")).toEqual({ pattern: "/api/sessions/revoke_others", methods: ["POST"], params: {} });
    expect(matchApiRoute("/api/health")?.params).toEqual({});
    expect(matchApiRoute("/api/health/x")).toBeNull();
  });
});
