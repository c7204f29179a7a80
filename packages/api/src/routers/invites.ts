import { rest } from "../rest";
import { InviteInput, Member } from "../schemas";
import * as invites from "../services/invites";
import { authedProcedure, checkedOutput, router } from "../trpc";

export const invitesRouter = router({
  create: authedProcedure
    .meta(rest("POST", "/rooms/{roomId}/members", "Invite someone into a room"))
    .input(InviteInput)
    .output(checkedOutput(Member))
    .mutation(({ ctx, input }) => invites.invite(ctx.deps, ctx.actor, input)),
});
