import { z } from "zod";
import { rest } from "../rest";
import {
  CreatedRegistrationInvite,
  CreateRegistrationInviteInput,
  Id,
  RegistrationInviteOut,
  RegistrationPolicy,
  RegistrationState,
  RegistrationStateInput,
} from "../schemas";
import * as registration from "../services/registration";
import { adminProcedure, checkedOutput, publicProcedure, router } from "../trpc";

export const registrationRouter = router({
  /** The policy, and whether `invite` (if given) can still create an account: for the sign-up page. */
  state: publicProcedure
    .meta(rest("GET", "/registration", "Who may register now, and whether an invite is valid", { anonymous: true }))
    .input(RegistrationStateInput)
    .output(checkedOutput(RegistrationState))
    .query(({ ctx, input }) => registration.registrationState(ctx.deps, input?.invite)),
  /** Administrators: set who may register (open, invite, closed). */
  setPolicy: adminProcedure
    .meta(rest("PUT", "/admin/registration", "Set who may register (administrators)"))
    .input(z.object({ policy: RegistrationPolicy }))
    .output(checkedOutput(RegistrationState))
    .mutation(({ ctx, input }) => registration.setRegistrationPolicy(ctx.deps, ctx.actor, input.policy)),
  /** Administrators: a new invite link, its secret shown once. */
  createInvite: adminProcedure
    .meta(rest("POST", "/admin/invites", "Create an invite link (administrators; shown once)"))
    .input(CreateRegistrationInviteInput)
    .output(checkedOutput(CreatedRegistrationInvite))
    .mutation(({ ctx, input }) => registration.createRegistrationInvite(ctx.deps, ctx.actor, input)),
  /** Administrators: every invite link, newest first. */
  invites: adminProcedure
    .meta(rest("GET", "/admin/invites", "Every invite link (administrators)"))
    .output(checkedOutput(z.array(RegistrationInviteOut)))
    .query(({ ctx }) => registration.listRegistrationInvites(ctx.deps)),
  /** Administrators: end an invite link now. */
  revokeInvite: adminProcedure
    .meta(rest("DELETE", "/admin/invites/{id}", "Revoke an invite link (administrators)"))
    .input(z.object({ id: Id }))
    .output(checkedOutput(RegistrationInviteOut))
    .mutation(({ ctx, input }) => registration.revokeRegistrationInvite(ctx.deps, ctx.actor, input.id)),
});
