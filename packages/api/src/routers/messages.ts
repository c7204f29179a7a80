import { rest } from "../rest";
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
    .meta(rest("POST", "/rooms/{roomId}/messages", "Send a message (idempotent by clientId)"))
    .input(SendMessageInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => messages.sendMessage(ctx.deps, ctx.actor, input)),
  /** The author replaces the text of their own message; answers the message as edited. */
  edit: authedProcedure
    .meta(rest("PATCH", "/messages/{messageId}", "Edit your message"))
    .input(EditMessageInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.editMessage(ctx.deps, ctx.actor, input)),
  /** The author (or the room's owner) deletes a message; answers its tombstone. */
  delete: authedProcedure
    .meta(rest("DELETE", "/messages/{messageId}", "Delete a message"))
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.deleteMessage(ctx.deps, ctx.actor, input)),
  /** Adds the caller's reaction with one emoji (idempotent). */
  react: authedProcedure
    .meta(rest("POST", "/messages/{messageId}/reactions", "Add your reaction"))
    .input(ReactionInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.react(ctx.deps, ctx.actor, input)),
  /** Removes the caller's reaction with one emoji (idempotent). */
  unreact: authedProcedure
    .meta(rest("DELETE", "/messages/{messageId}/reactions", "Remove your reaction"))
    .input(ReactionInput)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.unreact(ctx.deps, ctx.actor, input)),
  pin: authedProcedure
    .meta(rest("PUT", "/messages/{messageId}/pin", "Pin a message to its room"))
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.pin(ctx.deps, ctx.actor, input)),
  unpin: authedProcedure
    .meta(rest("DELETE", "/messages/{messageId}/pin", "Unpin a message"))
    .input(MessageRef)
    .output(checkedOutput(MessageOut))
    .mutation(({ ctx, input }) => actions.unpin(ctx.deps, ctx.actor, input)),
  /** A room's pinned messages, most recently pinned first. */
  pinned: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/pins", "A room's pinned messages"))
    .input(RoomIdInput)
    .output(checkedOutput(PinnedMessages))
    .query(({ ctx, input }) => actions.pinnedMessages(ctx.deps, ctx.actor, input.roomId)),
  /** A thread: its parent and a keyset page of its replies (oldest first by default). */
  thread: authedProcedure
    .meta(rest("GET", "/messages/{messageId}/replies", "A page of a thread's replies"))
    .input(ThreadInput)
    .output(checkedOutput(ThreadPage))
    .query(({ ctx, input }) => actions.threadReplies(ctx.deps, ctx.actor, input)),
});
