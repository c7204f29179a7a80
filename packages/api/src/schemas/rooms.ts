import { z } from "zod";
import { Id, IsoDate, pageOf, storable, UNSTORABLE_WORDS } from "./common";
import { PublicUser, UserRef } from "./users";

/** A room name's longest, in UTF-16 code units (zod's `max`), after trimming. */
export const ROOM_NAME_MAX = 64;

export const RoomName = z
  .string({ error: "room name must be a string" })
  .trim()
  .min(1, "room name must not be empty")
  .max(ROOM_NAME_MAX, `room name must be at most ${ROOM_NAME_MAX} characters`)
  .refine(storable, `room name ${UNSTORABLE_WORDS}`);

export const CreateRoomInput = z.object({ name: RoomName, isPrivate: z.boolean().default(false) });
export type CreateRoomInput = z.infer<typeof CreateRoomInput>;

export const RoomIdInput = z.object({ roomId: Id });

export const InviteInput = z.object({ roomId: Id, user: UserRef });
export type InviteInput = z.infer<typeof InviteInput>;

export const RoomOut = z.object({
  id: Id,
  kind: z.enum(["room", "direct"]),
  name: z.string().nullable(),
  isPrivate: z.boolean(),
  ownerId: z.number().int().nullable(),
  /** What the room is about, set by its owner (at most ROOM_TOPIC_MAX characters); null: none. */
  topic: z.string().nullable(),
  /** The room's newest sequence number: of its newest message or change to one (0 when empty). */
  lastSeq: z.number().int(),
  createdAt: IsoDate,
});
export type RoomOut = z.infer<typeof RoomOut>;
/** A public room as the browse page lists it: the room and how many members it has now. */
export const PublicRoom = RoomOut.extend({ memberCount: z.number().int().nonnegative() });
export type PublicRoom = z.infer<typeof PublicRoom>;
export const PublicRoomsPage = pageOf(PublicRoom);

/** The longest room topic, in characters (Unicode code points); the database refuses longer (rooms_topic_length). */
/** A topic's longest, in characters (code points); the same as @parley/db's check (a test holds them equal). */
export const ROOM_TOPIC_MAX = 250;

/** A room's topic as its owner types it: trimmed; empty clears it (null). */
export const RoomTopic = z
  .string({ error: "must be a string" })
  .trim()
  .refine((topic) => [...topic].length <= ROOM_TOPIC_MAX, `must be at most ${ROOM_TOPIC_MAX} characters`)
  .refine(storable, UNSTORABLE_WORDS)
  .transform((topic) => (topic === "" ? null : topic));

/** The owner changes a room's name, its topic, or both; at least one must be given. */
export const UpdateRoomInput = z
  .object({ roomId: Id, name: RoomName.optional(), topic: RoomTopic.nullish() })
  .refine((input) => input.name !== undefined || input.topic !== undefined, "give a new name or topic for the room");
export type UpdateRoomInput = z.infer<typeof UpdateRoomInput>;

/** What `rooms.update` did: the room as it is now, and what changed (nothing, when both were as given). */
export const RoomUpdate = z.object({
  room: RoomOut,
  changed: z.array(z.enum(["name", "topic"])),
});
export type RoomUpdate = z.infer<typeof RoomUpdate>;

/** The owner removes a member (never themselves: they leave instead). */
export const RemoveMemberInput = z.object({ roomId: Id, userId: Id });
export type RemoveMemberInput = z.infer<typeof RemoveMemberInput>;
/** `removed` is false when the user was not a member (any more): nothing changed. */
export const MemberRemoval = z.object({ removed: z.boolean() });

/** A member mutes or unmutes a room for themselves. */
export const MuteRoomInput = z.object({ roomId: Id, muted: z.boolean({ error: "muted must be true or false" }) });
export type MuteRoomInput = z.infer<typeof MuteRoomInput>;
/** The room's mute as it is now; `changed` is false when it already was. */
export const MuteState = z.object({ roomId: Id, muted: z.boolean(), changed: z.boolean() });
export type MuteState = z.infer<typeof MuteState>;

export const Member = z.object({ user: PublicUser, role: z.enum(["owner", "member"]), joinedAt: IsoDate });
export type Member = z.infer<typeof Member>;

export const DirectConversation = z.object({ room: RoomOut, peer: PublicUser });
export type DirectConversation = z.infer<typeof DirectConversation>;

/** The most unread messages a listing counts: the UI shows that many as "99+". */
export const MAX_UNREAD = 100;

/** How far the caller has read a room, as the sidebar shows it. */
const ReadState = {
  /** Text messages by others after `lastReadSeq`, counted up to MAX_UNREAD (which means "that many or more"). */
  unread: z.number().int().min(0).max(MAX_UNREAD),
  /** The sequence number up to which the caller has read the room. */
  lastReadSeq: z.number().int().min(0),
  /** Messages after `lastReadSeq` that mention the caller (by name or `@room`), counted up to MAX_UNREAD. */
  mentions: z.number().int().min(0).max(MAX_UNREAD),
};

/** A room in the caller's sidebar; `muted`: the caller muted it (no badge, no notification). */
export const MyRoom = RoomOut.extend({ ...ReadState, muted: z.boolean() });
export type MyRoom = z.infer<typeof MyRoom>;

/** A direct conversation in the caller's sidebar. */
export const MyDirectConversation = DirectConversation.extend(ReadState);
export type MyDirectConversation = z.infer<typeof MyDirectConversation>;

export const MarkReadInput = z.object({
  roomId: Id,
  /** The newest sequence number the caller has seen; beyond the room's newest, it means all of it. */
  seq: z.number({ error: "seq must be a number" }).int("seq must be a whole number").min(0, "seq must not be negative"),
});
export type MarkReadInput = z.infer<typeof MarkReadInput>;
export const OpenDirectInput = z.object({ user: UserRef });
