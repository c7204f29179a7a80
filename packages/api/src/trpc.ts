import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context";
import { AppError, databaseUnavailable, isDatabaseUnavailable, readableIssues, trpcCodeOf } from "./errors";
import { RateLimited } from "./limits";
import { authenticate } from "./services/auth";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Stack traces stay in the server's log, never on the wire.
    const { stack: _stack, ...data } = shape.data;
    // Input that failed its schema: hand clients the structured issues too, for their forms.
    const issues = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause.issues : undefined;
    // Over a rate limit: when to try again, for clients to wait that long.
    const retryAfterSeconds = error.cause instanceof RateLimited ? error.cause.retryAfterSeconds : undefined;
    return {
      ...shape,
      // Our own failures are logged where they happen; their messages (SQL, file paths) stay there.
      message: error.code === "INTERNAL_SERVER_ERROR" ? "something went wrong on our side" : shape.message,
      data: { ...data, ...(issues && { issues }), ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) },
    };
  },
});

/**
 * Domain errors and schema failures become tRPC errors here, once, for every procedure and every
 * transport (HTTP, WebSocket, server-side callers), with a message that says what was wrong.
 */
function toTrpcError(error: unknown): unknown {
  let cause = error instanceof TRPCError ? error.cause : error;
  if (isDatabaseUnavailable(cause)) cause = databaseUnavailable();
  if (cause instanceof AppError) return new TRPCError({ code: trpcCodeOf[cause.code], message: cause.message, cause });
  // Only input: an output that fails its schema is our bug and stays an internal error.
  if (cause instanceof ZodError && error instanceof TRPCError && error.code === "BAD_REQUEST") {
    return new TRPCError({ code: "BAD_REQUEST", message: readableIssues(cause), cause });
  }
  return error;
}

const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTrpcError(result.error);
  return result;
});

/**
 * What a subscription streams, as one generator between the service and tRPC (every layer is
 * another hop per event per subscriber). Once started, it takes what it must `hold` while it runs
 * (a connection's subscription slot; released when it ends), opens the stream, maps each item for
 * the wire, and maps what the stream throws the way the middleware maps errors, since it throws
 * after the middleware returned.
 */
export async function* streamed<T, U>(
  open: () => AsyncIterable<T>,
  map: (item: T) => U,
  hold?: () => () => void,
): AsyncGenerator<U> {
  let release: (() => void) | undefined;
  try {
    release = hold?.();
    for await (const item of open()) yield map(item);
  } catch (error) {
    throw toTrpcError(error);
  } finally {
    release?.();
  }
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

/**
 * Procedures for signed-in callers: the token is checked on every call (signature, expiry,
 * revocation), so a token revoked on any instance fails here at once. Narrows `ctx.actor`.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  if (!ctx.token) throw new AppError("UNAUTHENTICATED", "sign in first: no token was given");
  const actor = await authenticate(ctx.deps, ctx.token);
  return next({ ctx: { actor } });
});
