import { z } from "zod";
import {
  CreateRoomInput,
  MarkReadInput,
  Member,
  MyRoom,
  PublicRoomsPage,
  RoomIdInput,
  RoomOut,
  SearchPageInput,
} from "../schemas";
import * as invites from "../services/invites";
import * as readState from "../services/read-state";
import * as rooms from "../services/rooms";
import { authedProcedure, router } from "../trpc";

export const roomsRouter = router({
  create: authedProcedure
    .input(CreateRoomInput)
    .output(RoomOut)
    .mutation(({ ctx, input }) => rooms.createRoom(ctx.deps, ctx.actor, input)),
  join: authedProcedure
    .input(RoomIdInput)
    .output(RoomOut)
    .mutation(({ ctx, input }) => rooms.joinRoom(ctx.deps, ctx.actor, input.roomId)),
  leave: authedProcedure
    .input(RoomIdInput)
    .output(z.void())
    .mutation(({ ctx, input }) => rooms.leaveRoom(ctx.deps, ctx.actor, input.roomId)),
  get: authedProcedure
    .input(RoomIdInput)
    .output(RoomOut)
    .query(({ ctx, input }) => rooms.getRoom(ctx.deps, ctx.actor, input.roomId)),
  /** The caller's rooms, each with its unread count and how far the caller has read it. */
  mine: authedProcedure.output(z.array(MyRoom)).query(({ ctx }) => rooms.listMyRooms(ctx.deps, ctx.actor)),
  /** The caller has seen the room up to `seq`: its unread count drops, in every tab. */
  markRead: authedProcedure
    .input(MarkReadInput)
    .output(z.void())
    .mutation(({ ctx, input }) => readState.markRead(ctx.deps, ctx.actor, input)),
  public: authedProcedure
    .input(SearchPageInput)
    .output(PublicRoomsPage)
    .query(({ ctx, input }) => rooms.listPublicRooms(ctx.deps, input)),
  members: authedProcedure
    .input(RoomIdInput)
    .output(z.array(Member))
    .query(({ ctx, input }) => invites.listMembers(ctx.deps, ctx.actor, input.roomId)),
});
