import { z } from "zod";
import { DirectConversation, MyDirectConversation, OpenDirectInput } from "../schemas";
import * as direct from "../services/direct";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const directRouter = router({
  open: authedProcedure
    .input(OpenDirectInput)
    .output(checkedOutput(DirectConversation))
    .mutation(({ ctx, input }) => direct.openDirect(ctx.deps, ctx.actor, input.user)),
  /** The caller's direct conversations, each with its unread count and how far the caller has read it. */
  list: authedProcedure
    .output(checkedOutput(z.array(MyDirectConversation)))
    .query(({ ctx }) => direct.listDirect(ctx.deps, ctx.actor)),
});
