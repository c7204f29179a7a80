import { tracked } from "@trpc/server";
import { RoomEventsInput, RoomIdInput } from "../schemas";
import * as live from "../services/live";
import { authedProcedure, router, withDomainErrors } from "../trpc";

export const eventsRouter = router({
  /** A room's messages, notices, typing and presence; resumable by `lastEventId` (a sequence number). */
  room: authedProcedure.input(RoomEventsInput).subscription(async function* ({ ctx, input, signal }) {
    const stream = live.roomEvents(ctx.deps, ctx.actor, input, signal ?? new AbortController().signal);
    for await (const item of withDomainErrors(stream)) {
      yield item.seq === undefined ? item.event : tracked(String(item.seq), item.event);
    }
  }),
  /** The caller's own events: invitations, rooms joined and left, direct conversations, profile. */
  mine: authedProcedure.subscription(async function* ({ ctx, signal }) {
    yield* withDomainErrors(live.userEvents(ctx.deps, ctx.actor, signal ?? new AbortController().signal));
  }),
  /** Tells the room's other members the caller is typing (lasts a few seconds unless repeated). */
  typing: authedProcedure
    .input(RoomIdInput)
    .mutation(({ ctx, input }) => live.startTyping(ctx.deps, ctx.actor, input.roomId)),
});
