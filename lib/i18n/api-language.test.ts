import { describe, expect, it } from "vitest";
import { POST as login } from "@/app/api/auth/login/route";
import { POST as claim } from "@/app/api/onboarding/claim_token/route";
import { errorMessage } from "@/lib/errors";

// An API error keeps its English code; its message follows the request's language: the switcher's
// cookie, else Accept-Language.
function badLogin(headers: Record<string, string>) {
  return login(
    new Request("http://localhost:3000/api/auth/login", {
      method: "POST",
      headers: { origin: "http://localhost:3000", "content-type": "text/plain", ...headers },
      body: "x",
    }),
  );
}

describe("API messages", () => {
  it("are English by default", async () => {
    const res = await badLogin({});
    expect(await res.json()).toEqual({ error: { code: "unsupported_media_type", message: errorMessage("unsupported_media_type") } });
  });

  it("are German for Accept-Language: de, with the same code and status", async () => {
    const res = await badLogin({ "accept-language": "de-DE,de;q=0.9,en;q=0.5" });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: { code: "unsupported_media_type", message: errorMessage("unsupported_media_type", "de") } });
    expect(errorMessage("unsupported_media_type", "de")).toMatch(/Senden Sie/);
  });

  it("follow the language cookie over Accept-Language", async () => {
    const res = await badLogin({ "accept-language": "de", cookie: "locale=en" });
    expect((await res.json()).error.message).toBe(errorMessage("unsupported_media_type", "en"));
  });

  it("include the request schema's own explanation, in German too", async () => {
    const body = (language: string) =>
      claim(
        new Request("http://localhost:3000/api/onboarding/claim_token", {
          method: "POST",
          headers: { origin: "http://localhost:3000", "content-type": "application/json", "accept-language": language },
          body: JSON.stringify({ password: "x" }),
        }),
      ).then((res) => res.json());
    expect(await body("en")).toEqual({ error: { code: "invalid_request", message: "token: token is required." } });
    expect(await body("de")).toEqual({ error: { code: "invalid_request", message: "token: token fehlt." } });
  });
});
