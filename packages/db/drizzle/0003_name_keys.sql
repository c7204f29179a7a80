-- Names are compared by one folding rule (foldName, in fold.ts): each is stored with its folded key,
-- and the unique indexes are on the keys. Parley's own lobby is found by rooms.builtin, not by name.
ALTER TABLE "rooms" DROP CONSTRAINT "rooms_kind_shape";--> statement-breakpoint
DROP INDEX "rooms_name_lower_key";--> statement-breakpoint
DROP INDEX "users_username_lower_key";--> statement-breakpoint
DROP INDEX "users_email_lower_key";--> statement-breakpoint
DROP INDEX "rooms_public_name_idx";--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "name_key" text;--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "builtin" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "username_key" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "email_key" text;--> statement-breakpoint
-- Existing rows' keys, by an approximation of foldName (packages/db/src/fold.ts) that SQL can do:
-- NFKC then lower(). Rows written from now on are keyed by foldName itself.
UPDATE "users" SET "username_key" = lower(normalize("username", NFKC)), "email_key" = lower(normalize("email", NFKC));--> statement-breakpoint
UPDATE "rooms" SET "name_key" = lower(normalize("name", NFKC)) WHERE "kind" = 'room';--> statement-breakpoint
-- Names that were two names before and are one now (composed and decomposed accents, full-width
-- letters): the oldest keeps it; each later one gets its id appended, to name and key alike, so that
-- it can still be found by what it is called. A later e-mail address of the same key is kept for
-- display and no longer signs in.
UPDATE "users" SET "username" = "username" || '_' || "id", "username_key" = "username_key" || '_' || "id"
  WHERE "id" NOT IN (SELECT min("id") FROM "users" GROUP BY "username_key");--> statement-breakpoint
UPDATE "users" SET "email_key" = NULL
  WHERE "email_key" IS NOT NULL AND "id" NOT IN (SELECT min("id") FROM "users" WHERE "email_key" IS NOT NULL GROUP BY "email_key");--> statement-breakpoint
UPDATE "rooms" SET "name" = "name" || ' ' || "id", "name_key" = "name_key" || ' ' || "id"
  WHERE "kind" = 'room' AND "id" NOT IN (SELECT min("id") FROM "rooms" WHERE "kind" = 'room' GROUP BY "name_key");--> statement-breakpoint
-- The lobby that seed sockets made by name becomes the built-in lobby (it was always public and named exactly "lobby").
UPDATE "rooms" SET "builtin" = 'lobby' WHERE "kind" = 'room' AND "name" = 'lobby' AND NOT "is_private";--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "username_key" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_name_key_key" ON "rooms" USING btree ("name_key") WHERE "rooms"."kind" = 'room' and "rooms"."builtin" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_builtin_key" ON "rooms" USING btree ("builtin");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_key_key" ON "users" USING btree ("username_key");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key_key" ON "users" USING btree ("email_key");--> statement-breakpoint
CREATE INDEX "rooms_public_name_idx" ON "rooms" USING btree ("name_key","id") WHERE "rooms"."kind" = 'room' and "rooms"."is_private" = false;--> statement-breakpoint
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_kind_shape" CHECK (("rooms"."kind" = 'room' and "rooms"."name" is not null and "rooms"."name_key" is not null and "rooms"."direct_key" is null)
       or ("rooms"."kind" = 'direct' and "rooms"."name" is null and "rooms"."name_key" is null and "rooms"."direct_key" is not null and "rooms"."is_private" and "rooms"."builtin" is null));