import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { FRESH_SCHEMA_SQL } from "./support/pg";
import { apiInvite, apiLogin, startServer, type AppServer } from "./support/server";

// Two app processes on one Postgres: the conditional UPDATE must pick exactly one winner even when
// the racing requests are served by different processes (no shared memory, no in-process mutex).
const databaseUrl = process.env.E2E_DATABASE_URL;
const admin = { email: "admin@two.test", password: "Granite-Pelican-Orchard-77" };

test.describe("two instances on one Postgres", () => {
  test.skip(!databaseUrl, "needs E2E_DATABASE_URL (scripts/test-all.sh sets it)");
  let a: AppServer;
  let b: AppServer;
  let db: pg.Client;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    // A fresh schema every run: both instances migrate it at once (advisory-locked).
    await db.query(FRESH_SCHEMA_SQL);
    const env = {
      DATABASE_URL: databaseUrl!,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      APP_URL: "http://127.0.0.1:3221", // one public URL for the whole deployment
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RATE_LIMITS: "off",
    };
    [a, b] = await Promise.all([startServer({ port: 3221, env }), startServer({ port: 3222, env })]);
  });

  test.afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.end();
  });

  test("both started together: migrations ran once and exactly one first admin exists", async () => {
    const { rows } = await db.query("select count(*)::int as n from users where lower(email) = $1", [admin.email]);
    expect(rows[0].n).toBe(1);
    const migrations = await db.query("select count(*)::int as n from drizzle.__drizzle_migrations");
    expect(migrations.rows[0].n).toBeGreaterThan(0);
    // RATE_LIMITS=off is never silent.
    expect(a.output()).toContain("RATE_LIMITS=off");
  });

  test("50 concurrent claims of one link split across both instances: exactly one 200", async () => {
    const cookie = await apiLogin(a.url, admin.email, admin.password);
    for (let round = 0; round < 3; round++) {
      const invitee = `race-${round}-${Date.now()}@example.com`;
      const inv = await apiInvite(a.url, cookie, invitee);
      const secret = new URL(inv.url).searchParams.get("token")!;
      // The onboarding JWT from one instance is good on the other (shared AUTH_SECRET).
      const issued = await fetch(`${b.url}/api/onboarding/get_token?token=${secret}`);
      expect(issued.status).toBe(200);
      const jwt = (await issued.json()).onboarding_token as string;

      const attempts = Array.from({ length: 50 }, (_, i) =>
        fetch(`${(i % 2 ? b : a).url}/api/onboarding/claim_token`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: "http://127.0.0.1:3221", authorization: `Bearer ${jwt}` },
          body: JSON.stringify({ token: secret, password: `Walnut-Comet-${round}-${i}-Ferry` }),
        }).then((r) => r.status),
      );
      const statuses = await Promise.all(attempts);
      expect(statuses.filter((s) => s === 200), `statuses: ${statuses.join(",")}`).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(49);

      const { rows } = await db.query(
        `select i.is_accepted, u.password_hash is not null as has_password,
                (select count(*)::int from sessions s where s.user_id = u.id) as sessions
           from invitations i join users u on u.id = i.user_id where lower(u.email) = $1`,
        [invitee],
      );
      expect(rows).toEqual([{ is_accepted: true, has_password: true, sessions: 1 }]);
    }
  });
});
