import { MessageOut, SendMessageInput } from "../schemas";
import * as messages from "../services/messages";
import { authedProcedure, router } from "../trpc";

export const messagesRouter = router({
  send: authedProcedure
    .input(SendMessageInput)
    .output(MessageOut)
    .mutation(({ ctx, input }) => messages.sendMessage(ctx.deps, ctx.actor, input)),
});
