import type { AppRouter, RouterOutputs } from "@parley/api";
import type { BusEvent } from "@parley/api/bus";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type MyRoom = RouterOutputs["rooms"]["mine"][number];
export type MyDirect = RouterOutputs["direct"]["list"][number];
export type Message = RouterOutputs["messages"]["send"];
export type MemberEvent = Extract<BusEvent, { type: "room.member" }>;
export type { Member, PublicUser, RoomOut } from "@parley/api/schemas";
