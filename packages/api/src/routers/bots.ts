import { z } from "zod";
import { rest } from "../rest";
import {
  AccessTokenOut,
  AdminBotsPage,
  BotOut,
  BotRef,
  BotTokenRef,
  CreateBotInput,
  CreateBotTokenInput,
  CreatedAccessToken,
} from "../schemas";
import { AdminListInput } from "../schemas/admin";
import * as bots from "../services/bots";
import { adminProcedure, checkedOutput, router } from "../trpc";

/** Bot accounts, for administrators (see services/bots.ts); anyone else gets NOT_FOUND. */
export const botsRouter = router({
  create: adminProcedure
    .meta(rest("POST", "/admin/bots", "Create a bot account (administrators)"))
    .input(CreateBotInput)
    .output(checkedOutput(BotOut))
    .mutation(({ ctx, input }) => bots.createBot(ctx.deps, ctx.actor, input)),
  list: adminProcedure
    .meta(rest("GET", "/admin/bots", "Every bot account (administrators)"))
    .output(checkedOutput(z.array(BotOut)))
    .query(({ ctx }) => bots.listBots(ctx.deps)),
  /** A page of bots, newest first, searchable, with who created each, its rooms and its working tokens. */
  search: adminProcedure
    .meta(rest("GET", "/admin/bots/search", "Bot accounts a page at a time, newest first, searchable (administrators)"))
    .input(AdminListInput)
    .output(checkedOutput(AdminBotsPage))
    .query(({ ctx, input }) => bots.searchBots(ctx.deps, input)),
  delete: adminProcedure
    .meta(rest("DELETE", "/admin/bots/{botId}", "Delete a bot account and its tokens (administrators)"))
    .input(BotRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => bots.deleteBot(ctx.deps, ctx.actor, input.botId)),
  tokens: adminProcedure
    .meta(rest("GET", "/admin/bots/{botId}/tokens", "A bot's tokens (administrators)"))
    .input(BotRef)
    .output(checkedOutput(z.array(AccessTokenOut)))
    .query(({ ctx, input }) => bots.listBotTokens(ctx.deps, input.botId)),
  createToken: adminProcedure
    .meta(rest("POST", "/admin/bots/{botId}/tokens", "Create a token for a bot (administrators)"))
    .input(CreateBotTokenInput)
    .output(checkedOutput(CreatedAccessToken))
    .mutation(({ ctx, input }) => bots.createBotToken(ctx.deps, ctx.actor, input)),
  revokeToken: adminProcedure
    .meta(rest("DELETE", "/admin/bots/{botId}/tokens/{tokenId}", "Revoke a bot's token (administrators)"))
    .input(BotTokenRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => bots.revokeBotToken(ctx.deps, ctx.actor, input.botId, input.tokenId)),
});
