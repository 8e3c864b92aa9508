-- Hand-edited: the column is added nullable; db/canonical-emails.ts fills it (the canonical form is
-- computed in TypeScript, lib/email.ts), refusing to start on addresses that now collide, and only
-- then sets it NOT NULL (the schema's final state).
DROP INDEX "users_email_lower_unique";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_canonical" text;--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_canonical_unique" ON "users" USING btree ("email_canonical");
