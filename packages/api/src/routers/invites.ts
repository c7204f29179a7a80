import { InviteInput, Member } from "../schemas";
import * as invites from "../services/invites";
import { authedProcedure, router } from "../trpc";

export const invitesRouter = router({
  create: authedProcedure
    .input(InviteInput)
    .output(Member)
    .mutation(({ ctx, input }) => invites.invite(ctx.deps, ctx.actor, input)),
});
