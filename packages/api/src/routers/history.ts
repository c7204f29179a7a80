import { rest } from "../rest";
import { HistoryAroundInput, HistoryAroundPage, HistoryInput, HistoryPage } from "../schemas";
import * as messages from "../services/messages";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const historyRouter = router({
  list: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/messages", "A page of a room's history"))
    .input(HistoryInput)
    .output(checkedOutput(HistoryPage))
    .query(({ ctx, input }) => messages.getHistory(ctx.deps, ctx.actor, input)),
  /** Top-level messages around a sequence number, both ways (a search result's "jump to message"). */
  around: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/messages/around/{seq}", "History around one message"))
    .input(HistoryAroundInput)
    .output(checkedOutput(HistoryAroundPage))
    .query(({ ctx, input }) => messages.getHistoryAround(ctx.deps, ctx.actor, input)),
});
