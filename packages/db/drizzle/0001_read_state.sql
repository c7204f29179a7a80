ALTER TABLE "room_members" ADD COLUMN "last_read_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Hand-written: memberships that exist already start with their room read, not with all of its history unread.
UPDATE "room_members" SET "last_read_seq" = "rooms"."last_seq" FROM "rooms" WHERE "rooms"."id" = "room_members"."room_id";
