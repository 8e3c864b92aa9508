-- Hand-edited after drizzle-kit generate: pg_trgm, backfills, and the append-only trigger.
-- pg_trgm is a trusted extension (PG 13+): the database owner may create it. PGlite needs it passed
-- to its constructor too (db/index.ts).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_actor_user_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_target_user_id_users_id_fk";
--> statement-breakpoint
DROP INDEX "audit_events_created_at_idx";--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "actor_email" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "target_email" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "user_agent" text;--> statement-breakpoint
-- Events written before this migration name their users by id only; copy the addresses now.
UPDATE "audit_events" e SET "actor_email" = u."email" FROM "users" u WHERE u."id" = e."actor_user_id";--> statement-breakpoint
UPDATE "audit_events" e SET "target_email" = u."email" FROM "users" u WHERE u."id" = e."target_user_id";--> statement-breakpoint
-- Append-only: no statement the app issues can change or remove an event. (The database owner can
-- still drop this trigger; the README says so.)
CREATE FUNCTION "audit_events_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_events_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "audit_events_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_events_append_only"();--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "role" "user_role";--> statement-breakpoint
ALTER TABLE "invitations" ADD COLUMN "email_canonical" text;--> statement-breakpoint
-- History rows keep the role they granted from now on; before, only the user's role was known.
-- email_canonical is filled (and set NOT NULL) by db/canonical-emails.ts after the migrations, from
-- users.email_canonical, which that same step may only now be computing.
UPDATE "invitations" i SET "role" = u."role" FROM "users" u WHERE u."id" = i."user_id";--> statement-breakpoint
ALTER TABLE "invitations" ALTER COLUMN "role" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "last_sign_in_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "audit_events_created_id_idx" ON "audit_events" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_action_created_idx" ON "audit_events" USING btree ("action","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_actor_created_idx" ON "audit_events" USING btree ("actor_user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "audit_events_target_created_idx" ON "audit_events" USING btree ("target_user_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "invitations_user_id_idx" ON "invitations" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "invitations_created_id_idx" ON "invitations" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "invitations_accepted_created_idx" ON "invitations" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "invitations"."is_accepted";--> statement-breakpoint
CREATE INDEX "invitations_revoked_created_idx" ON "invitations" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE NOT "invitations"."is_accepted" AND "invitations"."revoked_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "invitations_open_created_idx" ON "invitations" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE NOT "invitations"."is_accepted" AND "invitations"."revoked_at" IS NULL;--> statement-breakpoint
CREATE INDEX "invitations_email_trgm_idx" ON "invitations" USING gin ("email_canonical" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "users_created_id_idx" ON "users" USING btree ("created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "users_email_trgm_idx" ON "users" USING gin ("email_canonical" gin_trgm_ops);