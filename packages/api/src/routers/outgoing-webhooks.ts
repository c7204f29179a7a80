import { z } from "zod";
import { rest } from "../rest";
import {
  CreateOutgoingWebhookInput,
  DeliveriesInput,
  DeliveriesPage,
  OutgoingWebhookOut,
  OutgoingWebhookRef,
  OutgoingWebhookWithSecret,
  RoomWebhooksInput,
  UpdateOutgoingWebhookInput,
} from "../schemas";
import * as hooks from "../services/outgoing-webhooks";
import { authedProcedure, checkedOutput, router } from "../trpc";

/** A room owner's outgoing webhooks: new messages POSTed to a receiver, signed per Standard Webhooks. */
export const outgoingWebhooksRouter = router({
  /** Registers a receiver; the answer's `secret` (for checking signatures) is shown this once. */
  create: authedProcedure
    .meta(
      rest(
        "POST",
        "/rooms/{roomId}/outgoing-webhooks",
        "Create an outgoing webhook for a room (owner; secret shown once)",
      ),
    )
    .input(CreateOutgoingWebhookInput)
    .output(checkedOutput(OutgoingWebhookWithSecret))
    .mutation(({ ctx, input }) => hooks.createOutgoingWebhook(ctx.deps, ctx.actor, input)),
  list: authedProcedure
    .meta(rest("GET", "/rooms/{roomId}/outgoing-webhooks", "A room's outgoing webhooks (owner)"))
    .input(RoomWebhooksInput)
    .output(checkedOutput(z.array(OutgoingWebhookOut)))
    .query(({ ctx, input }) => hooks.listOutgoingWebhooks(ctx.deps, ctx.actor, input.roomId)),
  update: authedProcedure
    .meta(
      rest("PATCH", "/outgoing-webhooks/{hookId}", "Change an outgoing webhook's name, URL or trigger words (owner)"),
    )
    .input(UpdateOutgoingWebhookInput)
    .output(checkedOutput(OutgoingWebhookOut))
    .mutation(({ ctx, input }) => hooks.updateOutgoingWebhook(ctx.deps, ctx.actor, input)),
  /** A new signing secret, shown this once. */
  rotate: authedProcedure
    .meta(rest("POST", "/outgoing-webhooks/{hookId}/rotate", "Give an outgoing webhook a new signing secret (owner)"))
    .input(OutgoingWebhookRef)
    .output(checkedOutput(OutgoingWebhookWithSecret))
    .mutation(({ ctx, input }) => hooks.rotateOutgoingWebhookSecret(ctx.deps, ctx.actor, input.hookId)),
  delete: authedProcedure
    .meta(rest("DELETE", "/outgoing-webhooks/{hookId}", "Delete an outgoing webhook (owner)"))
    .input(OutgoingWebhookRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => hooks.deleteOutgoingWebhook(ctx.deps, ctx.actor, input.hookId)),
  /** The delivery log, newest first: each delivery's state and attempts. */
  deliveries: authedProcedure
    .meta(rest("GET", "/outgoing-webhooks/{hookId}/deliveries", "An outgoing webhook's delivery log (owner)"))
    .input(DeliveriesInput)
    .output(checkedOutput(DeliveriesPage))
    .query(({ ctx, input }) => hooks.listDeliveries(ctx.deps, ctx.actor, input)),
});
