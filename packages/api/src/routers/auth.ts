import { z } from "zod";
import { ChangePasswordInput, LoginInput, Profile, RegisterInput, Session } from "../schemas";
import * as auth from "../services/auth";
import { authedProcedure, checkedOutput, publicProcedure, router } from "../trpc";

export const authRouter = router({
  register: publicProcedure
    .input(RegisterInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.register(ctx.deps, input, { address: ctx.clientAddress })),
  login: publicProcedure
    .input(LoginInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.login(ctx.deps, input, { address: ctx.clientAddress })),
  /** A new password, given the current one: every session of the caller ends; answers a new one. */
  changePassword: authedProcedure
    .input(ChangePasswordInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.changePassword(ctx.deps, ctx.actor, input)),
  logout: authedProcedure.output(checkedOutput(z.void())).mutation(({ ctx }) => auth.logout(ctx.deps, ctx.actor)),
  me: authedProcedure.output(checkedOutput(Profile)).query(({ ctx }) => auth.me(ctx.deps, ctx.actor)),
});
