import { z } from "zod";
import { DirectConversation, OpenDirectInput } from "../schemas";
import * as direct from "../services/direct";
import { authedProcedure, router } from "../trpc";

export const directRouter = router({
  open: authedProcedure
    .input(OpenDirectInput)
    .output(DirectConversation)
    .mutation(({ ctx, input }) => direct.openDirect(ctx.deps, ctx.actor, input.user)),
  list: authedProcedure.output(z.array(DirectConversation)).query(({ ctx }) => direct.listDirect(ctx.deps, ctx.actor)),
});
