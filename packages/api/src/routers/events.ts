import { tracked } from "@trpc/server";
import { z } from "zod";
import type { StopSignal } from "../bus";
import type { Context } from "../context";
import type { Actor } from "../deps";
import { rest } from "../rest";
import { PresenceInput, RoomEventsInput, RoomIdInput } from "../schemas";
import * as live from "../services/live";
import { presenceEvents } from "../services/presence";
import { authedProcedure, checkedOutput, router, streamed } from "../trpc";

type LiveContext = Context & { actor: Actor };

/**
 * A service's stream for a subscription, holding one of the connection's subscription slots while
 * it runs; it stops when returned or when tRPC's `signal` (if any) aborts (see `streamed`).
 */
function subscribed<T, U>(
  ctx: LiveContext,
  signal: AbortSignal | undefined,
  open: (stop: StopSignal) => AsyncIterable<T>,
  map: (item: T) => U,
) {
  return streamed(open, map, ctx.connection, ctx.deps.metrics.deliveries, signal);
}

const trackedBySeq = (item: live.RoomStreamItem) => tracked(String(item.seq), item.event);
const asIs = <T>(item: T) => item;

export const eventsRouter = router({
  /** A room's messages, notices and typing; resumable by `lastEventId` (a sequence number). */
  room: authedProcedure
    .input(RoomEventsInput)
    .subscription(({ ctx, input, signal }) =>
      subscribed(
        ctx,
        signal,
        (s) => live.roomEvents(ctx.deps, ctx.actor, input, s, ctx.connection?.openWire?.()),
        trackedBySeq,
      ),
    ),
  /**
   * The caller's own events (invitations, rooms joined and left, direct conversations, read marks,
   * profile) and a `room.activity` for each new message in any of the caller's rooms.
   */
  mine: authedProcedure.subscription(({ ctx, signal }) =>
    subscribed(ctx, signal, (s) => live.userEvents(ctx.deps, ctx.actor, s), asIs),
  ),
  /**
   * Counts the caller as connected (idle when `away`) while it runs, and yields a snapshot of the
   * watched users' statuses (online, away, offline), then each change. Re-subscribe to change the
   * watched set or the idle flag.
   */
  presence: authedProcedure
    .input(PresenceInput)
    .subscription(({ ctx, input, signal }) =>
      subscribed(ctx, signal, (s) => presenceEvents(ctx.deps, ctx.actor, input, s), asIs),
    ),
  /** Tells the room's other members the caller is typing (lasts a few seconds unless repeated). */
  typing: authedProcedure
    .meta(rest("POST", "/rooms/{roomId}/typing", "Say you are typing in a room"))
    .input(RoomIdInput)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => live.startTyping(ctx.deps, ctx.actor, input.roomId)),
});
