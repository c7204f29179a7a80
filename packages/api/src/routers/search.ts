import { rest } from "../rest";
import { SearchInput, SearchPage } from "../schemas";
import * as search from "../services/search";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const searchRouter = router({
  /** Messages the caller may read that match the query (see `SearchInput`), keyset-paged. */
  messages: authedProcedure
    .meta(rest("GET", "/search/messages", "Search the messages you may read"))
    .input(SearchInput)
    .output(checkedOutput(SearchPage))
    .query(({ ctx, input }) => search.searchMessages(ctx.deps, ctx.actor, input)),
});
