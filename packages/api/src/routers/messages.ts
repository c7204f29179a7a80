import {
  EditMessageInput,
  MessageOut,
  MessageRef,
  PinnedMessages,
  ReactionInput,
  RoomIdInput,
  SendMessageInput,
  ThreadInput,
  ThreadPage,
} from "../schemas";
import * as actions from "../services/message-actions";
import * as messages from "../services/messages";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const messagesRouter = router({
  /** A new message, or a reply in a thread (`parentId`); idempotent by `clientId`. */
  send: authedProcedure
    .input(SendMessageInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => messages.sendMessage(ctx.deps, ctx.actor, input)),
  /** The author replaces the text of their own message; answers the message as edited. */
  edit: authedProcedure
    .input(EditMessageInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.editMessage(ctx.deps, ctx.actor, input)),
  /** The author (or the room's owner) deletes a message; answers its tombstone. */
  delete: authedProcedure
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.deleteMessage(ctx.deps, ctx.actor, input)),
  /** Adds the caller's reaction with one emoji (idempotent). */
  react: authedProcedure
    .input(ReactionInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.react(ctx.deps, ctx.actor, input)),
  /** Removes the caller's reaction with one emoji (idempotent). */
  unreact: authedProcedure
    .input(ReactionInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.unreact(ctx.deps, ctx.actor, input)),
  pin: authedProcedure
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.pin(ctx.deps, ctx.actor, input)),
  unpin: authedProcedure
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.unpin(ctx.deps, ctx.actor, input)),
  /** A room's pinned messages, most recently pinned first. */
  pinned: authedProcedure
    .input(RoomIdInput)
    .output(checkedOutput(PinnedMessages))
    .query(({ ctx, input }) => actions.pinnedMessages(ctx.deps, ctx.actor, input.roomId)),
  /** A thread: its parent and a keyset page of its replies (oldest first by default). */
  thread: authedProcedure
    .input(ThreadInput)
    .output(checkedOutput(ThreadPage))
    .query(({ ctx, input }) => actions.threadReplies(ctx.deps, ctx.actor, input)),
});
