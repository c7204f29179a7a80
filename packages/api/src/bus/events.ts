import type {
  DirectConversation,
  Member,
  MessageChangeKind,
  MessageOut,
  PublicUser,
  RoomOut,
  ThreadSummary,
} from "../schemas";

/** A thread's parent after a reply was added to it or deleted from it. */
export interface ParentUpdate {
  id: number;
  thread: ThreadSummary;
}

/** Events that other clients must see, published after the change they describe is committed. */
export type BusEvent =
  /** A message or a system notice, in a room's sequence. A reply carries its parent's new thread summary. */
  | { type: "room.message"; roomId: number; seq: number; message: MessageOut; parent?: ParentUpdate }
  /**
   * A change to a message (edit, deletion, reaction, pin), in the room's sequence, with the message
   * as it is after the change (a tombstone after a deletion). `mentionsBefore` is what the text
   * mentioned before an edit or deletion, so that users' streams can tell whose mention counts
   * changed. Deleting a reply carries its parent's new thread summary.
   */
  | {
      type: "room.change";
      roomId: number;
      seq: number;
      change: MessageChangeKind;
      actorId: number;
      /** The emoji of a reaction added or removed; null otherwise. */
      emoji: string | null;
      message: MessageOut;
      mentionsBefore?: MessageOut["mentions"];
      parent?: ParentUpdate;
    }
  /**
   * Who is in a room, or how one of them is shown, changed: for every open list of the room's
   * members, and every message, direct conversation or typing notice that names them. A rename or
   * display-name change is published to each room (direct conversations too) the user is in.
   */
  | ({ type: "room.member"; roomId: number } & MemberChange)
  /**
   * A room's name or topic changed (its owner's `rooms.update`): for every member's sidebar and open
   * room. `room` is the room as it is now.
   */
  | { type: "room.updated"; roomId: number; room: RoomOut }
  /**
   * The user's set of rooms changed: they created, joined, left or were invited to a room, or its
   * owner removed them from it ("removed": whatever of theirs follows the room stops), or an
   * administrator deleted it ("deleted": the same, and the room is gone).
   */
  | {
      type: "user.room";
      userId: number;
      change: "created" | "joined" | "left" | "invited" | "removed" | "deleted";
      room: RoomOut;
    }
  /** The user muted or unmuted one of their rooms (in one of their tabs): the others show it so. */
  | { type: "user.mute"; userId: number; roomId: number; muted: boolean }
  /** Somebody opened a direct conversation with the user (or the user did). */
  | { type: "user.direct"; userId: number; conversation: DirectConversation }
  /**
   * The user read a room up to `lastReadSeq` (in one of their tabs): others clear its unread count.
   * `caughtUp`: that was the room's newest sequence number when the mark was written, so the room's
   * counts were then 0 (the user streams need not read them again; not sent to clients).
   */
  | { type: "user.read"; userId: number; roomId: number; lastReadSeq: number; caughtUp: boolean }
  /** The user's public profile changed (a rename). */
  | { type: "user.profile"; userId: number; user: PublicUser }
  /** A token of the user was revoked: whatever holds it open must close. */
  | { type: "user.session-revoked"; userId: number; jti: string }
  /** A public room was created or renamed: directories may show it as it is now. */
  | { type: "directory.room"; room: RoomOut }
  /** Somebody is typing in a room: ephemeral, never stored, void after `until` (ms since epoch). */
  | { type: "room.typing"; roomId: number; userId: number; username: string; until: number }
  /**
   * A user's presence changed (ephemeral): `online` while any of their clients is connected and
   * active, `away` while every one of them is idle, `offline` once none has been connected for
   * the grace period (see presence.ts). Published once per change, on the user's presence channel,
   * which only their watchers follow.
   */
  | { type: "presence"; userId: number; status: PresenceStatus }
  /** Every process forgets what it cached about this token: it was revoked. */
  | { type: "access.session-revoked"; jti: string }
  /** Every process forgets what it cached about this user's identity (name, display name). */
  | { type: "access.user-changed"; userId: number }
  /**
   * Every session of this user issued before `validAfter` has ended (the password changed, or an
   * administrator disabled, deleted or reset the account): close its sockets, saying `reason`
   * ("password changed" when absent).
   */
  | { type: "access.sessions-ended"; userId: number; validAfter: string; reason?: SessionsEndedReason }
  /** Every process forgets that this user was a member of this room. */
  | { type: "access.membership-ended"; userId: number; roomId: number }
  /**
   * Never published: the bus hands it to its own subscribers after its connection to the other
   * processes was restored, because events may have been lost meanwhile. Resync from the database.
   */
  | { type: "bus.resync" };

/** What changed about a room's members (see `room.member`). */
export type MemberChange =
  /** Somebody joined the room, or was added to it by its owner. */
  | { change: "joined" | "invited"; member: Member }
  /** Somebody left; `heirId` is the member who became the owner because the owner left, if any. */
  | { change: "left"; userId: number; heirId: number | null }
  /** The owner (`byUserId`) removed somebody from the room. */
  | { change: "removed"; userId: number; byUserId: number }
  /** A member's username or display name changed: `user` is their profile now. */
  | { change: "updated"; user: PublicUser };

/** Why every session of a user ended, as their closed sockets say it. */
export type SessionsEndedReason = "password changed" | "account disabled" | "account deleted" | "password reset";

/** A person's presence, as every client shows it (the same three words as `@parley/ui`'s dot). */
export type PresenceStatus = "online" | "away" | "offline";

export type Channel = `room:${number}` | `user:${number}` | `presence:${number}` | "directory" | "access";

/** Where every process hears of changes that void what it caches about sessions and memberships. */
export const accessChannel: Channel = "access";

export const roomChannel = (roomId: number): Channel => `room:${roomId}`;
export const userChannel = (userId: number): Channel => `user:${userId}`;
/** Where a user's presence changes go: followed by the people watching that user, nobody else. */
export const presenceChannel = (userId: number): Channel => `presence:${userId}`;

export function channelOf(event: BusEvent): Channel {
  switch (event.type) {
    case "room.message":
    case "room.change":
    case "room.member":
    case "room.updated":
    case "room.typing":
      return roomChannel(event.roomId);
    case "presence":
      return presenceChannel(event.userId);
    case "bus.resync":
      throw new Error("bus.resync is delivered by the bus itself, never published");
    case "directory.room":
      return "directory";
    case "access.session-revoked":
    case "access.user-changed":
    case "access.sessions-ended":
    case "access.membership-ended":
      return accessChannel;
    default:
      return userChannel(event.userId);
  }
}
