import { HistoryAroundInput, HistoryAroundPage, HistoryInput, HistoryPage } from "../schemas";
import * as messages from "../services/messages";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const historyRouter = router({
  list: authedProcedure
    .input(HistoryInput)
    .output(checkedOutput(HistoryPage))
    .query(({ ctx, input }) => messages.getHistory(ctx.deps, ctx.actor, input)),
  /** Top-level messages around a sequence number, both ways (a search result's "jump to message"). */
  around: authedProcedure
    .input(HistoryAroundInput)
    .output(checkedOutput(HistoryAroundPage))
    .query(({ ctx, input }) => messages.getHistoryAround(ctx.deps, ctx.actor, input)),
});
