import { z } from "zod";
import { Id, IsoDate, pageOf, storable, UNSTORABLE_WORDS } from "./common";
import { PublicUser, UserRef } from "./users";

export const RoomName = z
  .string({ error: "room name must be a string" })
  .trim()
  .min(1, "room name must not be empty")
  .max(64, "room name must be at most 64 characters")
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
  /** The room's newest sequence number: of its newest message or change to one (0 when empty). */
  lastSeq: z.number().int(),
  createdAt: IsoDate,
});
export type RoomOut = z.infer<typeof RoomOut>;
export const PublicRoomsPage = pageOf(RoomOut);

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

/** A room in the caller's sidebar. */
export const MyRoom = RoomOut.extend(ReadState);
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
