-- A password change ends every session issued before it: tokens older than this no longer sign in.
ALTER TABLE "users" ADD COLUMN "sessions_valid_after" timestamp with time zone;