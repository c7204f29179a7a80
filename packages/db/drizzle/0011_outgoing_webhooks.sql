CREATE TABLE "outgoing_webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"room_id" integer NOT NULL,
	"bot_user_id" integer NOT NULL,
	"created_by" integer,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"trigger_words" text[] DEFAULT '{}'::text[] NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"hook_id" uuid NOT NULL,
	"message_id" bigint NOT NULL,
	"trigger_word" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outgoing_webhooks" ADD CONSTRAINT "outgoing_webhooks_room_id_rooms_id_fk" FOREIGN KEY ("room_id") REFERENCES "public"."rooms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outgoing_webhooks" ADD CONSTRAINT "outgoing_webhooks_bot_user_id_users_id_fk" FOREIGN KEY ("bot_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outgoing_webhooks" ADD CONSTRAINT "outgoing_webhooks_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_hook_id_outgoing_webhooks_id_fk" FOREIGN KEY ("hook_id") REFERENCES "public"."outgoing_webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outgoing_webhooks_room_idx" ON "outgoing_webhooks" USING btree ("room_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_hook_idx" ON "webhook_deliveries" USING btree ("hook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_pending_idx" ON "webhook_deliveries" USING btree ("created_at") WHERE state = 'pending';--> statement-breakpoint
-- The outbox of outgoing webhooks: every statement that inserts messages writes, in its own
-- transaction, one delivery per (text message by a person, matching hook of its room), and wakes the
-- relay (LISTEN parley_outgoing_webhooks) that hands pending deliveries to the job queue. A hook
-- matches a message when the message's first word, its ASCII letters lower-cased (COLLATE "C", as the
-- stored trigger words are), is one of its trigger words, or when it has none. Bots' messages (incoming and outgoing webhooks' among them) fire nothing: no loops.
-- Statement-level, with a transition table: a group commit of many messages is one call, and a
-- server without outgoing webhooks pays one probe of an empty table per statement.
CREATE FUNCTION "parley_outgoing_webhook_deliveries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM outgoing_webhooks) THEN
    RETURN NULL;
  END IF;
  INSERT INTO webhook_deliveries (hook_id, message_id, trigger_word)
  SELECT h.id, m.id, CASE WHEN cardinality(h.trigger_words) = 0 THEN NULL ELSE w.word END
  FROM inserted_messages m
  JOIN outgoing_webhooks h ON h.room_id = m.room_id
  JOIN users u ON u.id = m.author_id AND NOT u.is_bot
  CROSS JOIN LATERAL (SELECT lower((regexp_match(m.body, '^\s*(\S+)'))[1] COLLATE "C") AS word) w
  WHERE m.kind = 'text' AND (cardinality(h.trigger_words) = 0 OR w.word = ANY (h.trigger_words))
  ORDER BY m.id, h.id;
  IF FOUND THEN
    PERFORM pg_notify('parley_outgoing_webhooks', '');
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "messages_outgoing_webhooks" AFTER INSERT ON "messages"
  REFERENCING NEW TABLE AS inserted_messages
  FOR EACH STATEMENT EXECUTE FUNCTION "parley_outgoing_webhook_deliveries"();
