import { z } from "zod";
import { rest } from "../rest";
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
    .meta(rest("POST", "/rooms/{roomId}/webhooks", "Create an incoming webhook for a room (owner; URL shown once)"))
    .input(CreateIncomingWebhookInput)
    .output(checkedOutput(IncomingWebhookWithUrl))
    .mutation(({ ctx, input }) => hooks.createIncomingWebhook(ctx.deps, ctx.actor, input)),
  /** The room's hooks, without secrets. */
  list: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/webhooks", "A room's incoming webhooks (owner)"))
    .input(RoomWebhooksInput)
    .output(checkedOutput(z.array(IncomingWebhookOut)))
    .query(({ ctx, input }) => hooks.listIncomingWebhooks(ctx.deps, ctx.actor, input.roomId)),
  /** A new secret: the old URL dies at once; the answer's `path` is shown this once. */
  rotate: authedProcedure
    .meta(rest("POST", "/webhooks/{hookId}/rotate", "Give a webhook a new secret URL (owner; the old one dies)"))
    .input(IncomingWebhookRef)
    .output(checkedOutput(IncomingWebhookWithUrl))
    .mutation(({ ctx, input }) => hooks.rotateIncomingWebhookSecret(ctx.deps, ctx.actor, input.hookId)),
  delete: authedProcedure
    .meta(rest("DELETE", "/webhooks/{hookId}", "Delete an incoming webhook (owner)"))
    .input(IncomingWebhookRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => hooks.deleteIncomingWebhook(ctx.deps, ctx.actor, input.hookId)),
});
