import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./keyset";

const at = { createdAt: "2026-11-29T10:00:00.123456Z", id: "0b6f3c1e-0000-4000-8000-000000000001" };

describe("keyset cursors", () => {
  it("round-trips the exact timestamp and id", () => {
    expect(decodeCursor("invitations", encodeCursor("invitations", at))).toEqual(at);
  });

  it("refuses another list's cursor, an edited one and garbage", () => {
    const c = encodeCursor("invitations", at);
    expect(decodeCursor("users", c)).toBeNull();
    const [payload, mac] = c.split(".");
    const edited = Buffer.from(`2020-01-01T00:00:00.000000Z|${at.id}`).toString("base64url");
    expect(decodeCursor("invitations", `${edited}.${mac}`)).toBeNull();
    expect(decodeCursor("invitations", `${payload}.${mac}x`)).toBeNull();
    for (const bad of ["", ".", "abc", "a.b.c", "%%%.%%%", "x".repeat(500)]) expect(decodeCursor("invitations", bad)).toBeNull();
  });
});
