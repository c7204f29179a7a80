import type { MessageOut, Profile, PublicUser, RoomOut } from "../schemas";

/** The seeds' response bodies, built from Parley's public shapes: the union of their fields. */

export const profileOf = (u: Profile) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  name: u.displayName ?? u.username,
  created_at: u.createdAt,
});

export const publicProfileOf = (u: PublicUser) => ({
  id: u.id,
  username: u.username,
  name: u.displayName ?? u.username,
  created_at: u.createdAt,
});

export const roomInfoOf = (r: RoomOut) => ({
  id: r.id,
  room_id: r.id,
  name: r.name,
  is_private: r.isPrivate,
  creator: r.ownerId,
});

/** Seed 002's gorm-style records. */
export const seedUserOf = (u: Profile) => ({
  ID: u.id,
  CreatedAt: u.createdAt,
  UpdatedAt: u.updatedAt,
  DeletedAt: null,
  UserName: u.username,
  Email: u.email,
});

export const chatRoomOf = (r: RoomOut) => ({
  ID: r.id,
  CreatedAt: r.createdAt,
  UpdatedAt: r.createdAt,
  DeletedAt: null,
  name: r.name,
});

/**
 * A message's text as the seeds' clients see it: the text (a caption, with files), then one line
 * per file, `<name>: /files/<id>` (a path on the same server, which answers a GET carrying the
 * client's token, bare or Bearer, with a redirect to a short-lived signed link).
 */
export const seedTextOf = (m: Pick<MessageOut, "body" | "files">) =>
  [m.body, ...m.files.map((f) => `${f.name}: ${f.url}`)].filter((line) => line !== "").join("\n");

export const seedMessageOf = (m: MessageOut) => ({
  id: m.id,
  room_id: m.roomId,
  seq: m.seq,
  user_id: m.author?.id ?? null,
  username: m.author?.username ?? null,
  type: m.kind,
  text: seedTextOf(m),
  content: seedTextOf(m),
  created_at: m.createdAt,
});
export type SeedMessage = ReturnType<typeof seedMessageOf>;
