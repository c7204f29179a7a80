import { z } from "zod";
import { rest } from "../rest";
import { AccessTokenOut, AccessTokenRef, CreateAccessTokenInput, CreatedAccessToken } from "../schemas";
import * as accessTokens from "../services/access-tokens";
import { authedProcedure, checkedOutput, router } from "../trpc";

/** The caller's personal access tokens (see services/access-tokens.ts). */
export const tokensRouter = router({
  /** A new token: its secret is in the answer, this once. Not with a token (FORBIDDEN). */
  create: authedProcedure
    .meta(rest("POST", "/tokens", "Create a personal access token (shown once)"))
    .input(CreateAccessTokenInput)
    .output(checkedOutput(CreatedAccessToken))
    .mutation(({ ctx, input }) => accessTokens.createAccessToken(ctx.deps, ctx.actor, input)),
  list: authedProcedure
    .meta(rest("GET", "/tokens", "Your personal access tokens (never their secrets)"))
    .output(checkedOutput(z.array(AccessTokenOut)))
    .query(({ ctx }) => accessTokens.listAccessTokens(ctx.deps, ctx.actor)),
  /** Ends one of the caller's tokens on every instance at once; NOT_FOUND for anyone else's. */
  revoke: authedProcedure
    .meta(rest("DELETE", "/tokens/{tokenId}", "Revoke one of your personal access tokens"))
    .input(AccessTokenRef)
    .output(checkedOutput(z.void()))
    .mutation(({ ctx, input }) => accessTokens.revokeAccessToken(ctx.deps, ctx.actor, input.tokenId)),
});
