import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { invitations } from "@/db/schema";
import { translate } from "@/lib/i18n/translate";
import { claimInvitation, issueOnboardingToken } from "@/lib/onboarding";
import { body, createUserWithSession, request, strongPassword, uniqueEmail } from "@/lib/testing/api";
import { GET as auditList } from "../audit/route";
import { POST as resetUser } from "../users/[id]/reset/route";
import { POST as reissue } from "./[id]/reissue/route";
import { POST as bulk } from "./bulk/route";
import { GET, POST } from "./route";

// The server side of languages: an invitation's `locale` (chosen, defaulted to the inviting admin's
// language, refused when unknown, returned, kept on re-issue, inherited by a reset link), and the
// API's own sentences (lib/email.ts, lib/audit-log.ts, a route's message) in the request's language.

type Inv = { id: string; email: string; url: string | null; locale: string };
type ErrorBody = { error: { code: string; message: string } };

const GERMAN = { "accept-language": "de-DE,de;q=0.9,en;q=0.5" };
const params = (id: string) => ({ params: Promise.resolve({ id }) });

function invite(cookie: string, payload: unknown, headers: Record<string, string> = {}) {
  return POST(request("/api/invitations", { body: payload, cookie, headers }));
}

async function storedLocale(id: string) {
  const db = await getDb();
  const [row] = await db.select({ locale: invitations.locale }).from(invitations).where(eq(invitations.id, id));
  return row?.locale;
}

describe("POST /api/invitations: locale", () => {
  it("accepts en and de, returns it and stores it, whatever the request's own language", async () => {
    const admin = await createUserWithSession("admin");
    for (const [locale, headers] of [["de", {}], ["en", GERMAN]] as const) {
      const res = await invite(admin.cookie, { email: uniqueEmail("loc"), locale }, headers);
      expect(res.status).toBe(201);
      const { invitation } = await body<{ invitation: Inv }>(res);
      expect(invitation.locale).toBe(locale);
      expect(await storedLocale(invitation.id)).toBe(locale);
    }
  });

  it("defaults to the inviting admin's language: the language cookie, else Accept-Language, else English", async () => {
    const admin = await createUserWithSession("admin");
    const cases: [Record<string, string>, string][] = [
      [{}, "en"],
      [GERMAN, "de"],
      [{ "accept-language": "fr-FR,fr;q=0.9" }, "en"],
    ];
    for (const [headers, expected] of cases) {
      const res = await invite(admin.cookie, { email: uniqueEmail("loc") }, headers);
      expect((await body<{ invitation: Inv }>(res)).invitation.locale).toBe(expected);
    }
    const res = await POST(request("/api/invitations", { body: { email: uniqueEmail("loc") }, cookie: `${admin.cookie}; locale=de` }));
    expect((await body<{ invitation: Inv }>(res)).invitation.locale).toBe("de");
  });

  it("400 invalid_request for any other value, in the request's language, and nothing is written", async () => {
    const admin = await createUserWithSession("admin");
    for (const locale of ["fr", "DE", "de-DE", "", 1, null]) {
      const email = uniqueEmail("loc");
      const res = await invite(admin.cookie, { email, locale });
      expect(res.status).toBe(400);
      expect(await body<ErrorBody>(res)).toEqual({ error: { code: "invalid_request", message: "locale: locale must be en or de." } });
    }
    const german = await invite(admin.cookie, { email: uniqueEmail("loc"), locale: "fr" }, GERMAN);
    expect((await body<ErrorBody>(german)).error.message).toBe("locale: locale muss en oder de sein.");
  });

  it("GET lists each invitation's locale", async () => {
    const admin = await createUserWithSession("admin");
    const de = (await body<{ invitation: Inv }>(await invite(admin.cookie, { email: uniqueEmail("listde"), locale: "de" }))).invitation;
    const en = (await body<{ invitation: Inv }>(await invite(admin.cookie, { email: uniqueEmail("listen") }))).invitation;
    const res = await GET(request("/api/invitations?limit=100", { cookie: admin.cookie }));
    const listed = (await body<{ invitations: Inv[] }>(res)).invitations;
    expect(listed.find((i) => i.id === de.id)?.locale).toBe("de");
    expect(listed.find((i) => i.id === en.id)?.locale).toBe("en");
    expect(listed.every((i) => i.locale === "en" || i.locale === "de")).toBe(true);
  });

  it("a re-issue keeps the old invitation's locale, whatever the re-issuing admin's language", async () => {
    const admin = await createUserWithSession("admin");
    const old = (await body<{ invitation: Inv }>(await invite(admin.cookie, { email: uniqueEmail("re"), locale: "de" }))).invitation;
    const res = await reissue(request(`/api/invitations/${old.id}/reissue`, { method: "POST", cookie: admin.cookie, headers: { "accept-language": "en" } }), params(old.id));
    expect(res.status).toBe(201);
    const renewed = (await body<{ invitation: Inv }>(res)).invitation;
    expect(renewed.id).not.toBe(old.id);
    expect(renewed.locale).toBe("de");
    expect(await storedLocale(renewed.id)).toBe("de");
  });
});

describe("POST /api/invitations/bulk: locale", () => {
  it("applies one locale (given, else the admin's language) to every invitation and returns it on each", async () => {
    const admin = await createUserWithSession("admin");
    const given = await bulk(request("/api/invitations/bulk", { body: { emails: [uniqueEmail("b"), uniqueEmail("b")], role: "member", locale: "de" }, cookie: admin.cookie }));
    expect(given.status).toBe(200);
    const results = (await body<{ results: { outcome: string; invitation?: Inv }[] }>(given)).results;
    expect(results.map((r) => r.invitation?.locale)).toEqual(["de", "de"]);
    expect(await storedLocale(results[0].invitation!.id)).toBe("de");

    const defaulted = await bulk(request("/api/invitations/bulk", { body: { emails: [uniqueEmail("b")], role: "member" }, cookie: admin.cookie, headers: GERMAN }));
    expect((await body<{ results: { invitation?: Inv }[] }>(defaulted)).results[0].invitation?.locale).toBe("de");
  });

  it("400 invalid_request for an unknown locale", async () => {
    const admin = await createUserWithSession("admin");
    const res = await bulk(request("/api/invitations/bulk", { body: { emails: [uniqueEmail("b")], role: "member", locale: "it" }, cookie: admin.cookie }));
    expect(res.status).toBe(400);
    expect((await body<ErrorBody>(res)).error).toEqual({ code: "invalid_request", message: "locale: locale must be en or de." });
  });
});

describe("a reset link takes the language of the user's latest invitation", () => {
  it("an admin's reset (in English) of a user invited in German is German", async () => {
    const db = await getDb();
    const admin = await createUserWithSession("admin");
    const created = (await body<{ invitation: Inv }>(await invite(admin.cookie, { email: uniqueEmail("rs"), locale: "de" }))).invitation;
    const secret = new URL(created.url!).searchParams.get("token")!;
    const token = await issueOnboardingToken(db, secret);
    if (!token.ok) throw new Error(token.reason);
    const claimed = await claimInvitation(db, { onboardingToken: token.onboardingToken, secret, password: strongPassword() });
    if (!claimed.ok) throw new Error(claimed.reason);

    const res = await resetUser(request(`/api/users/${claimed.user.id}/reset`, { method: "POST", cookie: admin.cookie, headers: { "accept-language": "en" } }), params(claimed.user.id));
    expect(res.status).toBe(201);
    const reset = (await body<{ invitation: Inv }>(res)).invitation;
    expect(await storedLocale(reset.id)).toBe("de");
  });
});

describe("the API's own sentences follow the request's language", () => {
  it("an unusable address on POST /api/invitations: lib/email.ts's explanation in German", async () => {
    const admin = await createUserWithSession("admin");
    const res = await invite(admin.cookie, { email: "ali\u200bce@example.com" }, GERMAN);
    expect(res.status).toBe(400);
    const { error } = await body<ErrorBody>(res);
    expect(error.code).toBe("invalid_email");
    expect(error.message).toBe(translate("de", "api.email.invisible_character", { code: "200B" }));
    expect(error.message).toMatch(/unsichtbares oder besonderes Zeichen \(U\+200B\)/);

    const mixed = await invite(admin.cookie, { email: "pаypal@example.com" }, GERMAN); // Cyrillic а
    expect((await body<ErrorBody>(mixed)).error.message).toMatch(/^„pаypal“ mischt Buchstaben verschiedener Schriften/);
    const english = await invite(admin.cookie, { email: "pаypal@example.com" });
    expect((await body<ErrorBody>(english)).error.message).toMatch(/^"pаypal" mixes letters of different scripts/);
  });

  it("an audit query error in German; the parameter names stay as they are", async () => {
    const admin = await createUserWithSession("admin");
    const unknown = await auditList(request("/api/audit?colour=red", { cookie: admin.cookie, headers: GERMAN }));
    expect(unknown.status).toBe(400);
    expect((await body<ErrorBody>(unknown)).error.message).toBe('Unbekannter Parameter „colour“; erlaubt sind action, actor, target, from, to, limit, cursor.');
    const range = await auditList(request("/api/audit?from=2026-02-01&to=2026-01-01", { cookie: admin.cookie, headers: GERMAN }));
    expect((await body<ErrorBody>(range)).error).toEqual({ code: "invalid_request", message: "from darf nicht nach to liegen." });
    const english = await auditList(request("/api/audit?from=2026-02-01&to=2026-01-01", { cookie: admin.cookie }));
    expect((await body<ErrorBody>(english)).error.message).toBe("from must not be later than to.");
  });

  it("a route's own message (resetting yourself) in German, with the same code", async () => {
    const admin = await createUserWithSession("admin");
    const res = await resetUser(request(`/api/users/${admin.user.id}/reset`, { method: "POST", cookie: admin.cookie, headers: GERMAN }), params(admin.user.id));
    expect(res.status).toBe(409);
    expect(await body<ErrorBody>(res)).toEqual({
      error: { code: "cannot_change_self", message: "Sie können Ihren eigenen Zugang nicht zurücksetzen: Ändern Sie stattdessen Ihr Passwort." },
    });
  });
});
