import type { AppRouter, RouterOutputs } from "@parley/api";
import { createTRPCContext } from "@trpc/tanstack-react-query";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type MyRoom = RouterOutputs["rooms"]["mine"][number];
export type MyDirect = RouterOutputs["direct"]["list"][number];
export type Message = RouterOutputs["messages"]["send"];
