import { z } from "zod";
import { Id, IsoDate, pageOf } from "./common";
import { PublicUser, UserRef } from "./users";

export const RoomName = z
  .string({ error: "room name must be a string" })
  .trim()
  .min(1, "room name must not be empty")
  .max(64, "room name must be at most 64 characters");

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
  /** The sequence number of the room's newest message (0 when empty). */
  lastSeq: z.number().int(),
  createdAt: IsoDate,
});
export type RoomOut = z.infer<typeof RoomOut>;
export const PublicRoomsPage = pageOf(RoomOut);

export const Member = z.object({ user: PublicUser, role: z.enum(["owner", "member"]), joinedAt: IsoDate });
export type Member = z.infer<typeof Member>;

export const DirectConversation = z.object({ room: RoomOut, peer: PublicUser });
export type DirectConversation = z.infer<typeof DirectConversation>;
export const OpenDirectInput = z.object({ user: UserRef });
