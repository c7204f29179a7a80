import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { EditMessageInput, MessageOut, MessageRef, ReactionInput, ThreadInput, ThreadPage } from "../schemas";

/**
 * Changes to messages: edit, delete, react, unreact, pin and unpin. Each runs in one transaction
 * that first takes the room's next sequence number (locking the room row, so a room's changes take
 * turns), checks the rule inside it, writes a `message_changes` row with that number, and publishes
 * a `room.change` after the commit. A message a stranger may not read answers NOT_FOUND exactly as
 * a message that does not exist.
 */

const todo = (): never => {
  throw new AppError("UNAVAILABLE", "not built yet");
};

/** Replaces the author's own text; FORBIDDEN for others' messages, notices, or past MESSAGE_EDIT_WINDOW. */
export async function editMessage(_deps: Deps, _actor: Actor, _input: EditMessageInput): Promise<MessageOut> {
  return todo();
}

/** Deletes a message (author, or the room's owner): leaves a tombstone; CONFLICT when already deleted. */
export async function deleteMessage(_deps: Deps, _actor: Actor, _input: MessageRef): Promise<MessageOut> {
  return todo();
}

/** Adds the caller's reaction (idempotent); BAD_INPUT for anything but one emoji, CONFLICT past 20 distinct. */
export async function react(_deps: Deps, _actor: Actor, _input: ReactionInput): Promise<MessageOut> {
  return todo();
}

/** Removes the caller's reaction (idempotent). */
export async function unreact(_deps: Deps, _actor: Actor, _input: ReactionInput): Promise<MessageOut> {
  return todo();
}

/** Pins a message to its room (any member, as in Slack); idempotent. */
export async function pin(_deps: Deps, _actor: Actor, _input: MessageRef): Promise<MessageOut> {
  return todo();
}

/** Unpins a message (any member); idempotent. */
export async function unpin(_deps: Deps, _actor: Actor, _input: MessageRef): Promise<MessageOut> {
  return todo();
}

/** A room's pinned messages, most recently pinned first (at most MAX_PINNED_PER_ROOM). */
export async function pinnedMessages(_deps: Deps, _actor: Actor, _roomId: number): Promise<MessageOut[]> {
  return todo();
}

/** A page of a thread's replies, keyset-paged by sequence number like history. */
export async function threadReplies(_deps: Deps, _actor: Actor, _input: ThreadInput): Promise<ThreadPage> {
  return todo();
}
