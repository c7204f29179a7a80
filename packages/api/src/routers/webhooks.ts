import { z } from "zod";
import {
  CreateIncomingWebhookInput,
  IncomingWebhookOut,
  IncomingWebhookRef,
  IncomingWebhookWithUrl,
  RoomWebhooksInput,
} from "../schemas";
import * as hooks from "../services/incoming-webhooks";
import { authedProcedure, checkedOutput, router } from "../trpc";

/** A room owner's Slack-compatible incoming webhooks (the posts themselves arrive at `POST /hooks/<id>/<secret>`). */
export const webhooksRouter = router({
  /** Creates a hook and its bot; the answer's `path` (with the secret) is shown this once. */
  create: authedProcedure
    .input(CreateIncomingWebhookInput)
    .output(checkedOutput(IncomingWebhookWithUrl))
    .mutation(({ ctx, input }) => hooks.createIncomingWebhook(ctx.deps, ctx.actor, input)),
  /** The room's hooks, without secrets. */
  list: authedProcedure
    .input(RoomWebhooksInput)
    .output(checkedOutput(z.array(IncomingWebhookOut)))
    .query(({ ctx, input }) => hooks.listIncomingWebhooks(ctx.deps, ctx.actor, input.roomId)),
  /** A new secret: the old URL dies at once; the answer's `path` is shown this once. */
  rotate: authedProcedure
    .input(IncomingWebhookRef)
    .output(checkedOutput(IncomingWebhookWithUrl))
    .mutation(({ ctx, input }) => hooks.rotateIncomingWebhookSecret(ctx.deps, ctx.actor, input.hookId)),
  delete: authedProcedure
    .input(IncomingWebhookRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => hooks.deleteIncomingWebhook(ctx.deps, ctx.actor, input.hookId)),
});
