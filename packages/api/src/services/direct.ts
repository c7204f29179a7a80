import { schema } from "@parley/db";
import { and, asc, eq, isNotNull, ne } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Actor, Deps } from "../deps";
import { AppError } from "../errors";
import type { DirectConversation, MyDirectConversation, UserRef } from "../schemas";
import { publicUserOf, roomOutOf } from "./output";
import { mentionsOf, unreadOf } from "./read-state";
import { transact } from "./transact";
import { findUser } from "./users";

const { rooms, roomMembers, users } = schema;

const directKeyOf = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** Opens the caller's direct conversation with another user, or returns the one that exists. */
export async function openDirect(deps: Deps, actor: Actor, ref: UserRef): Promise<DirectConversation> {
  const peer = await findUser(deps.db, ref);
  if (peer.id === actor.userId) throw new AppError("BAD_INPUT", "you cannot open a direct conversation with yourself");
  if (peer.deletedAt)
    throw new AppError("FORBIDDEN", "that account was deleted: no conversation can be opened with it");
  const directKey = directKeyOf(actor.userId, peer.id);
  return transact(deps, async (tx, emit) => {
    const [created] = await tx
      .insert(rooms)
      .values({ kind: "direct", name: null, isPrivate: true, ownerId: null, directKey })
      .onConflictDoNothing()
      .returning();
    if (created) {
      await tx.insert(roomMembers).values([
        { roomId: created.id, userId: actor.userId, lastReadSeq: created.lastSeq },
        { roomId: created.id, userId: peer.id, lastReadSeq: created.lastSeq },
      ]);
      const [me] = await tx.select().from(users).where(eq(users.id, actor.userId));
      if (me)
        emit({
          type: "user.direct",
          userId: peer.id,
          conversation: { room: roomOutOf(created), peer: publicUserOf(me) },
        });
      emit({
        type: "user.direct",
        userId: actor.userId,
        conversation: { room: roomOutOf(created), peer: publicUserOf(peer) },
      });
      return { room: roomOutOf(created), peer: publicUserOf(peer) };
    }
    const [existing] = await tx.select().from(rooms).where(eq(rooms.directKey, directKey));
    if (!existing) throw new Error("direct conversation vanished inside its transaction");
    return { room: roomOutOf(existing), peer: publicUserOf(peer) };
  });
}

/**
 * Refuses (FORBIDDEN) a message into a direct conversation whose other person's account was
 * deleted by an administrator: that conversation is closed (still readable). One query, for
 * direct conversations only.
 */
export async function assertDirectOpen(db: Deps["db"], roomId: number, senderId: number): Promise<void> {
  const [closed] = await db
    .select({ id: users.id })
    .from(roomMembers)
    .innerJoin(users, eq(users.id, roomMembers.userId))
    .where(and(eq(roomMembers.roomId, roomId), ne(roomMembers.userId, senderId), isNotNull(users.deletedAt)))
    .limit(1);
  if (closed) throw new AppError("FORBIDDEN", "this conversation is closed: the other account was deleted");
}

/**
 * The caller's direct conversations, each with the other person, how far the caller has read it and
 * its unread and mention counts: one statement (LATERAL joins).
 */
export async function listDirect(deps: Deps, actor: Actor): Promise<MyDirectConversation[]> {
  const mine = alias(roomMembers, "mine");
  const theirs = alias(roomMembers, "theirs");
  const unread = unreadOf(deps.db, mine, actor.userId);
  const mentioned = mentionsOf(deps.db, mine, actor.userId);
  const rows = await deps.db
    .select({
      room: rooms,
      peer: users,
      lastReadSeq: mine.lastReadSeq,
      unread: unread.count,
      mentions: mentioned.count,
    })
    .from(mine)
    .innerJoin(rooms, and(eq(rooms.id, mine.roomId), eq(rooms.kind, "direct")))
    .innerJoin(theirs, and(eq(theirs.roomId, rooms.id), ne(theirs.userId, actor.userId)))
    .innerJoin(users, eq(users.id, theirs.userId))
    .crossJoinLateral(unread)
    .crossJoinLateral(mentioned)
    .where(eq(mine.userId, actor.userId))
    .orderBy(asc(rooms.id));
  return rows.map(({ room, peer, lastReadSeq, unread, mentions }) => ({
    room: roomOutOf(room),
    peer: publicUserOf(peer),
    unread,
    lastReadSeq,
    mentions,
  }));
}
