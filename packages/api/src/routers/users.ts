import { rest } from "../rest";
import { DirectoryPage, SearchPageInput } from "../schemas";
import * as users from "../services/users";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const usersRouter = router({
  list: authedProcedure
    .meta(rest("GET", "/users", "The user directory, by username, a page at a time"))
    .input(SearchPageInput)
    .output(checkedOutput(DirectoryPage))
    .query(({ ctx, input }) => users.listUsers(ctx.deps, input)),
});
