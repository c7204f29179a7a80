import { HistoryInput, HistoryPage } from "../schemas";
import * as messages from "../services/messages";
import { authedProcedure, router } from "../trpc";

export const historyRouter = router({
  list: authedProcedure
    .input(HistoryInput)
    .output(HistoryPage)
    .query(({ ctx, input }) => messages.getHistory(ctx.deps, ctx.actor, input)),
});
