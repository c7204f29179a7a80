import { z } from "zod";
import {
  AccessTokenOut,
  BotOut,
  BotRef,
  BotTokenRef,
  CreateBotInput,
  CreateBotTokenInput,
  CreatedAccessToken,
} from "../schemas";
import * as bots from "../services/bots";
import { adminProcedure, checkedOutput, router } from "../trpc";

/** Bot accounts, for administrators (see services/bots.ts); anyone else gets NOT_FOUND. */
export const botsRouter = router({
  create: adminProcedure
    .input(CreateBotInput)
    .output(checkedOutput(BotOut))
    .mutation(({ ctx, input }) => bots.createBot(ctx.deps, ctx.actor, input)),
  list: adminProcedure.output(checkedOutput(z.array(BotOut))).query(({ ctx }) => bots.listBots(ctx.deps)),
  delete: adminProcedure
    .input(BotRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => bots.deleteBot(ctx.deps, ctx.actor, input.botId)),
  tokens: adminProcedure
    .input(BotRef)
    .output(checkedOutput(z.array(AccessTokenOut)))
    .query(({ ctx, input }) => bots.listBotTokens(ctx.deps, input.botId)),
  createToken: adminProcedure
    .input(CreateBotTokenInput)
    .output(checkedOutput(CreatedAccessToken))
    .mutation(({ ctx, input }) => bots.createBotToken(ctx.deps, ctx.actor, input)),
  revokeToken: adminProcedure
    .input(BotTokenRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => bots.revokeBotToken(ctx.deps, ctx.actor, input.botId, input.tokenId)),
});
