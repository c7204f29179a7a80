import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import type { Context } from "./context";
import { AppError, trpcCodeOf } from "./errors";
import { authenticate } from "./services/auth";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Input that fails its schema: say which field and why, in words.
    if (error.cause instanceof ZodError) {
      return { ...shape, message: readableIssues(error.cause), data: { ...shape.data, issues: error.cause.issues } };
    }
    return shape;
  },
});

function readableIssues(error: ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}

/** Domain errors become tRPC errors here, once, for every procedure. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf[cause.code], message: cause.message, cause });
  }
  return result;
});

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

export const Empty = z.void();
