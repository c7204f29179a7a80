import { z } from "zod";
import { Id, Profile, PublicUser, RenameInput, UpdateProfileInput } from "../schemas";
import * as profile from "../services/profile";
import { authedProcedure, checkedOutput, publicProcedure, router } from "../trpc";

export const profileRouter = router({
  mine: authedProcedure.output(checkedOutput(Profile)).query(({ ctx }) => profile.getOwnProfile(ctx.deps, ctx.actor)),
  byId: publicProcedure
    .input(z.object({ userId: Id }))
    .output(checkedOutput(PublicUser))
    .query(({ ctx, input }) => profile.getPublicProfile(ctx.deps, input.userId)),
  rename: authedProcedure
    .input(RenameInput)
    .output(checkedOutput(Profile))
    .mutation(({ ctx, input }) => profile.rename(ctx.deps, ctx.actor, input.username)),
  update: authedProcedure
    .input(UpdateProfileInput)
    .output(checkedOutput(Profile))
    .mutation(({ ctx, input }) => profile.updateProfile(ctx.deps, ctx.actor, input.displayName)),
});
