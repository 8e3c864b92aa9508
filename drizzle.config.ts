import { defineConfig } from "drizzle-kit";

// `npm run db:generate` only diffs the schema against db/migrations; it needs no database.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
