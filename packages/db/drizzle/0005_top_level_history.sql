-- History pages show top-level messages only: a partial index on (room_id, seq) of those keeps every page
-- an index read of its own rows, however many replies a busy thread adds among them.
CREATE INDEX "messages_room_top_level_seq_idx" ON "messages" USING btree ("room_id","seq") WHERE "messages"."parent_id" is null;