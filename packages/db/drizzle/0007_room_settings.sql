-- Issue 15: a room has a topic (its owner sets it; at most 250 characters, as rooms.ROOM_TOPIC_MAX in schema.ts says),
-- and each member may mute a room (its unread count then shows without a badge and notifies of nothing).
ALTER TABLE "room_members" ADD COLUMN "muted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "topic" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_topic_length" CHECK (char_length("rooms"."topic") <= 250);