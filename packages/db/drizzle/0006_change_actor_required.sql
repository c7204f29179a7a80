-- Every change to a message has an actor (notices are never changed): replays name who made each.
ALTER TABLE "message_changes" ALTER COLUMN "actor_id" SET NOT NULL;