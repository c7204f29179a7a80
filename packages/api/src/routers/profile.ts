import { z } from "zod";
import { rest } from "../rest";
import { Id, Profile, PublicUser, RenameInput, UpdateProfileInput } from "../schemas";
import * as profile from "../services/profile";
import { authedProcedure, checkedOutput, publicProcedure, router } from "../trpc";

export const profileRouter = router({
  mine: authedProcedure
    .meta(rest("GET", "/profile", "Your own profile, with your e-mail address"))
    .output(checkedOutput(Profile))
    .query(({ ctx }) => profile.getOwnProfile(ctx.deps, ctx.actor)),
  byId: publicProcedure
    .meta(rest("GET", "/users/{userId}", "Someone's public profile", { anonymous: true }))
    .input(z.object({ userId: Id }))
    .output(checkedOutput(PublicUser))
    .query(({ ctx, input }) => profile.getPublicProfile(ctx.deps, input.userId)),
  rename: authedProcedure
    .meta(rest("PUT", "/profile/username", "Change your username"))
    .input(RenameInput)
    .output(checkedOutput(Profile))
    .mutation(({ ctx, input }) => profile.rename(ctx.deps, ctx.actor, input.username)),
  update: authedProcedure
    .meta(rest("PATCH", "/profile", "Change your display name"))
    .input(UpdateProfileInput)
    .output(checkedOutput(Profile))
    .mutation(({ ctx, input }) => profile.updateProfile(ctx.deps, ctx.actor, input.displayName)),
});
