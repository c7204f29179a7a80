import { DirectoryInput, DirectoryPage } from "../schemas";
import * as users from "../services/users";
import { authedProcedure, router } from "../trpc";

export const usersRouter = router({
  list: authedProcedure
    .input(DirectoryInput)
    .output(DirectoryPage)
    .query(({ ctx, input }) => users.listUsers(ctx.deps, input)),
});
