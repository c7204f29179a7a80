import { z } from "zod";
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
    .input(RegistrationStateInput)
    .output(checkedOutput(RegistrationState))
    .query(({ ctx, input }) => registration.registrationState(ctx.deps, input?.invite)),
  /** Administrators: set who may register (open, invite, closed). */
  setPolicy: adminProcedure
    .input(z.object({ policy: RegistrationPolicy }))
    .output(checkedOutput(RegistrationState))
    .mutation(({ ctx, input }) => registration.setRegistrationPolicy(ctx.deps, ctx.actor, input.policy)),
  /** Administrators: a new invite link, its secret shown once. */
  createInvite: adminProcedure
    .input(CreateRegistrationInviteInput)
    .output(checkedOutput(CreatedRegistrationInvite))
    .mutation(({ ctx, input }) => registration.createRegistrationInvite(ctx.deps, ctx.actor, input)),
  /** Administrators: every invite link, newest first. */
  invites: adminProcedure
    .output(checkedOutput(z.array(RegistrationInviteOut)))
    .query(({ ctx }) => registration.listRegistrationInvites(ctx.deps)),
  /** Administrators: end an invite link now. */
  revokeInvite: adminProcedure
    .input(z.object({ id: Id }))
    .output(checkedOutput(RegistrationInviteOut))
    .mutation(({ ctx, input }) => registration.revokeRegistrationInvite(ctx.deps, ctx.actor, input.id)),
});
