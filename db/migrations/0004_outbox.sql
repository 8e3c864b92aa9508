CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"recipient" text,
	"address_hash" text NOT NULL,
	"invitation_id" uuid,
	"user_id" uuid,
	"message_id" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sealed" text,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone,
	"lease_token" uuid,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "outbox_status_valid" CHECK ("outbox"."status" IN ('queued', 'sent', 'failed', 'cancelled', 'done', 'dropped'))
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_invitation_id_invitations_id_fk" FOREIGN KEY ("invitation_id") REFERENCES "public"."invitations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."status" = 'queued';--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_invitation_unique" ON "outbox" USING btree ("invitation_id") WHERE "outbox"."invitation_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "outbox_address_kind_created_idx" ON "outbox" USING btree ("address_hash","kind","created_at" DESC NULLS LAST);--> statement-breakpoint
-- Hand-written: a link that is claimed, revoked or deleted is never mailed. Whatever path changes
-- the invitation (revoke, re-invite, re-issue, disable, reset, claim), its queued message is cancelled
-- and its sealed secret erased in the same transaction. The sender never locks invitations, so this
-- (invitation row, then its outbox rows) cannot deadlock with it.
CREATE FUNCTION outbox_cancel_dead_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE outbox
     SET status = 'cancelled', sealed = NULL,
         last_error = CASE WHEN NEW.is_accepted THEN 'link already used' ELSE 'link revoked' END
   WHERE invitation_id = NEW.id AND status = 'queued';
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER outbox_cancel_dead_link AFTER UPDATE OF is_accepted, revoked_at ON invitations
  FOR EACH ROW WHEN ((NEW.is_accepted AND NOT OLD.is_accepted) OR (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL))
  EXECUTE FUNCTION outbox_cancel_dead_link();
