import { z } from "zod";
import { rest } from "../rest";
import {
  CreateRoomInput,
  MarkReadInput,
  Member,
  MemberRemoval,
  MuteRoomInput,
  MuteState,
  MyRoom,
  PublicRoomsPage,
  RemoveMemberInput,
  RoomIdInput,
  RoomOut,
  RoomUpdate,
  SearchPageInput,
  UpdateRoomInput,
} from "../schemas";
import * as invites from "../services/invites";
import * as readState from "../services/read-state";
import * as roomSettings from "../services/room-settings";
import * as rooms from "../services/rooms";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const roomsRouter = router({
  create: authedProcedure
    .meta(rest("POST", "/rooms", "Create a room (you own it)"))
    .input(CreateRoomInput)
    .output(checkedOutput(RoomOut))
    .mutation(({ ctx, input }) => rooms.createRoom(ctx.deps, ctx.actor, input)),
  join: authedProcedure
    .meta(rest("POST", "/rooms/{roomId}/join", "Join a public room"))
    .input(RoomIdInput)
    .output(checkedOutput(RoomOut))
    .mutation(({ ctx, input }) => rooms.joinRoom(ctx.deps, ctx.actor, input.roomId)),
  leave: authedProcedure
    .meta(rest("POST", "/rooms/{roomId}/leave", "Leave a room"))
    .input(RoomIdInput)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => rooms.leaveRoom(ctx.deps, ctx.actor, input.roomId)),
  /** The owner renames the room and/or sets its topic; `changed` says what changed (empty: nothing). */
  update: authedProcedure
    .meta(rest("PATCH", "/rooms/{roomId}", "Rename a room or set its topic (owner)"))
    .input(UpdateRoomInput)
    .output(checkedOutput(RoomUpdate))
    .mutation(({ ctx, input }) => roomSettings.updateRoom(ctx.deps, ctx.actor, input)),
  /** The owner removes a member; `removed` is false when they were not one. */
  removeMember: authedProcedure
    .meta(rest("DELETE", "/rooms/{roomId}/members/{userId}", "Remove a member (owner)"))
    .input(RemoveMemberInput)
    .output(checkedOutput(MemberRemoval))
    .mutation(({ ctx, input }) => roomSettings.removeMember(ctx.deps, ctx.actor, input)),
  /** The caller mutes or unmutes one of their rooms, for themselves. */
  mute: authedProcedure
    .meta(rest("PUT", "/rooms/{roomId}/mute", "Mute or unmute a room for yourself"))
    .input(MuteRoomInput)
    .output(checkedOutput(MuteState))
    .mutation(({ ctx, input }) => roomSettings.setMuted(ctx.deps, ctx.actor, input)),
  get: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}", "A room you may see"))
    .input(RoomIdInput)
    .output(checkedOutput(RoomOut))
    .query(({ ctx, input }) => rooms.getRoom(ctx.deps, ctx.actor, input.roomId)),
  /** The caller's rooms, each with its unread count and how far the caller has read it. */
  mine: authedProcedure
    .meta(rest("GET", "/rooms", "Your rooms, with unread counts"))
    .output(checkedOutput(z.array(MyRoom)))
    .query(({ ctx }) => rooms.listMyRooms(ctx.deps, ctx.actor)),
  /** The caller has seen the room up to `seq`: its unread count drops, in every tab. */
  markRead: authedProcedure
    .meta(rest("POST", "/rooms/{roomId}/read", "Mark a room read up to a sequence number"))
    .input(MarkReadInput)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => readState.markRead(ctx.deps, ctx.actor, input)),
  public: authedProcedure
    .meta(rest("GET", "/public-rooms", "Public rooms by name, a page at a time"))
    .input(SearchPageInput)
    .output(checkedOutput(PublicRoomsPage))
    .query(({ ctx, input }) => rooms.browsePublicRooms(ctx.deps, input)),
  members: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/members", "A room's members and their roles"))
    .input(RoomIdInput)
    .output(checkedOutput(z.array(Member)))
    .query(({ ctx, input }) => invites.listMembers(ctx.deps, ctx.actor, input.roomId)),
});
