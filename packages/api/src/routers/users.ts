import { DirectoryPage, SearchPageInput } from "../schemas";
import * as users from "../services/users";
import { authedProcedure, router } from "../trpc";

export const usersRouter = router({
  list: authedProcedure
    .input(SearchPageInput)
    .output(DirectoryPage)
    .query(({ ctx, input }) => users.listUsers(ctx.deps, input)),
});
