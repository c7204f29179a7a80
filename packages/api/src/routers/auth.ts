import { z } from "zod";
import { rest } from "../rest";
import { ChangePasswordInput, LoginInput, Profile, RegisterInput, Session } from "../schemas";
import * as auth from "../services/auth";
import { authedProcedure, checkedOutput, publicProcedure, router } from "../trpc";

export const authRouter = router({
  register: publicProcedure
    .meta(rest("POST", "/auth/register", "Create an account (obeys the registration policy)", { anonymous: true }))
    .input(RegisterInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.register(ctx.deps, input, { address: ctx.clientAddress })),
  login: publicProcedure
    .meta(rest("POST", "/auth/login", "Log in with a username or e-mail address: a session", { anonymous: true }))
    .input(LoginInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.login(ctx.deps, input, { address: ctx.clientAddress })),
  /** A new password, given the current one: every session of the caller ends; answers a new one. */
  changePassword: authedProcedure
    .meta(rest("POST", "/auth/password", "Change the password: every other session ends"))
    .input(ChangePasswordInput)
    .output(checkedOutput(Session))
    .mutation(({ ctx, input }) => auth.changePassword(ctx.deps, ctx.actor, input)),
  logout: authedProcedure
    .meta(rest("POST", "/auth/logout", "Revoke the token presented"))
    .output(checkedOutput(z.void()))
    .mutation(({ ctx }) => auth.logout(ctx.deps, ctx.actor)),
  me: authedProcedure
    .meta(rest("GET", "/auth/me", "The signed-in user's profile"))
    .output(checkedOutput(Profile))
    .query(({ ctx }) => auth.me(ctx.deps, ctx.actor)),
});
