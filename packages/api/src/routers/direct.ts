import { z } from "zod";
import { rest } from "../rest";
import { DirectConversation, MyDirectConversation, OpenDirectInput } from "../schemas";
import * as direct from "../services/direct";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const directRouter = router({
  open: authedProcedure
    .meta(rest("POST", "/direct", "Open (or find) your direct conversation with someone"))
    .input(OpenDirectInput)
    .output(checkedOutput(DirectConversation))
    .mutation(({ ctx, input }) => direct.openDirect(ctx.deps, ctx.actor, input.user)),
  /** The caller's direct conversations, each with its unread count and how far the caller has read it. */
  list: authedProcedure
    .meta(rest("GET", "/direct", "Your direct conversations"))
    .output(checkedOutput(z.array(MyDirectConversation)))
    .query(({ ctx }) => direct.listDirect(ctx.deps, ctx.actor)),
});
