import { tracked } from "@trpc/server";
import type { Context } from "../context";
import type { Actor } from "../deps";
import { RoomEventsInput, RoomIdInput } from "../schemas";
import * as live from "../services/live";
import { authedProcedure, router, withDomainErrors } from "../trpc";

type LiveContext = Context & { actor: Actor };

/** Holds one of the connection's subscription slots while `stream` runs. */
async function* inSlot<T>(ctx: LiveContext, stream: (signal: AbortSignal) => AsyncIterable<T>, signal?: AbortSignal) {
  const release = ctx.connection?.claimSubscription();
  try {
    yield* stream(signal ?? new AbortController().signal);
  } finally {
    release?.();
  }
}

async function* trackedBySeq(items: AsyncIterable<live.RoomStreamItem>) {
  for await (const item of items) yield tracked(String(item.seq), item.event);
}

export const eventsRouter = router({
  /** A room's messages, notices, typing and presence; resumable by `lastEventId` (a sequence number). */
  room: authedProcedure
    .input(RoomEventsInput)
    .subscription(({ ctx, input, signal }) =>
      withDomainErrors(trackedBySeq(inSlot(ctx, (s) => live.roomEvents(ctx.deps, ctx.actor, input, s), signal))),
    ),
  /**
   * The caller's own events (invitations, rooms joined and left, direct conversations, read marks,
   * profile) and a `room.activity` for each new message in any of the caller's rooms.
   */
  mine: authedProcedure.subscription(({ ctx, signal }) =>
    withDomainErrors(inSlot(ctx, (s) => live.userEvents(ctx.deps, ctx.actor, s), signal)),
  ),
  /** Tells the room's other members the caller is typing (lasts a few seconds unless repeated). */
  typing: authedProcedure
    .input(RoomIdInput)
    .mutation(({ ctx, input }) => live.startTyping(ctx.deps, ctx.actor, input.roomId)),
});
