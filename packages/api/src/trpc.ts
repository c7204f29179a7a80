import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import type { Context } from "./context";
import { AppError, readableIssues, trpcCodeOf } from "./errors";
import { authenticate } from "./services/auth";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Stack traces stay in the server's log, never on the wire.
    const { stack: _stack, ...data } = shape.data;
    // Input that failed its schema: hand clients the structured issues too, for their forms.
    const issues = error.code === "BAD_REQUEST" && error.cause instanceof ZodError ? error.cause.issues : undefined;
    return { ...shape, data: issues ? { ...data, issues } : data };
  },
});

/**
 * Domain errors and schema failures become tRPC errors here, once, for every procedure and every
 * transport (HTTP, WebSocket, server-side callers), with a message that says what was wrong.
 */
function toTrpcError(error: unknown): unknown {
  const cause = error instanceof TRPCError ? error.cause : error;
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

/** The same mapping for what a subscription throws while it streams, after the middleware returned. */
export async function* withDomainErrors<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (error) {
    throw toTrpcError(error);
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
