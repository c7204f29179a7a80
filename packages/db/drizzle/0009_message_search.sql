-- Issue 16: full-text search over messages. A stored generated tsvector of each text message's
-- current body (notices and deleted messages, whose body is '', yield an empty vector), kept up
-- to date by PostgreSQL in the statement that writes the body: an edit is found by its new text and
-- a deletion is found by nothing, from the moment it commits. The 'simple' configuration
-- (lower-casing, no stemming, no stop words) treats every language alike; see the README.
-- The column is deliberately not in drizzle's schema (schema.ts), so that reading messages never
-- carries it; queries name it as `messages.search_vector`.
ALTER TABLE "messages" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, CASE WHEN "kind" = 'text' THEN "body" ELSE '' END)) STORED;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search_vector");
