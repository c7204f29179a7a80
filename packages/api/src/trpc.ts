import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, type z } from "zod";
import type { Context } from "./context";
import type { Actor } from "./deps";
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
 * What a subscription streams, as one plain iterator between the service and tRPC (not an async
 * generator, and no closures of its own: an idle subscription holds this one small object, not
 * one more suspended frame with its promises). On the first `next()` it takes one of the
 * connection's subscription `slots` (if any; released when it ends), opens the stream, maps each
 * item for the wire and counts it in `delivered`, and maps what the stream throws the way the
 * middleware maps errors, since it throws after the middleware returned.
 */
export function streamed<T, U>(
  open: () => AsyncIterable<T>,
  map: (item: T) => U,
  slots?: { claimSubscription(): () => void },
  delivered?: { inc(): void },
): AsyncIterableIterator<U> {
  return new MappedStream(open, map, slots, delivered);
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

class MappedStream<T, U> implements AsyncIterableIterator<U> {
  private source: AsyncIterator<T> | undefined;
  private release: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly open: () => AsyncIterable<T>,
    private readonly map: (item: T) => U,
    private readonly slots: { claimSubscription(): () => void } | undefined,
    private readonly delivered: { inc(): void } | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<U> {
    return this;
  }

  next(): Promise<IteratorResult<U>> {
    if (this.ended) return Promise.resolve(DONE);
    let source = this.source;
    if (!source) {
      try {
        this.release = this.slots?.claimSubscription();
        source = this.source = this.open()[Symbol.asyncIterator]();
      } catch (error) {
        this.end();
        return Promise.reject(toTrpcError(error));
      }
    }
    return source.next().then(
      (result) => this.item(result),
      (error) => this.fail(error),
    );
  }

  return(): Promise<IteratorResult<U>> {
    const source = this.source;
    this.end();
    if (!source?.return) return Promise.resolve(DONE);
    return source.return().then(
      () => DONE,
      (error) => this.fail(error),
    );
  }

  private item(result: IteratorResult<T>): IteratorResult<U> {
    if (result.done) {
      this.end();
      return DONE;
    }
    try {
      const value = this.map(result.value);
      this.delivered?.inc();
      return { value, done: false };
    } catch (error) {
      this.source?.return?.().catch(() => {});
      return this.fail(error);
    }
  }

  private fail(error: unknown): never {
    this.end();
    throw toTrpcError(error);
  }

  private end(): void {
    this.ended = true;
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}

/**
 * A procedure's output schema, for `.output(…)`, checked by zod's synchronous `parse`. Given the
 * schema itself, tRPC calls `parseAsync`, and zod runs its compiled checks of an object only in a
 * synchronous parse: for a history page of 100 messages the async way took about 4x the CPU
 * (380 µs against 94, in process) and allocated 438 KiB against 197 (a result and promise list per
 * property), a young-generation collection every few pages. The same checks and the same output;
 * a failure is still tRPC's "Output validation failed" (INTERNAL_SERVER_ERROR, the ZodError as
 * its cause). Only for schemas without async refinements or transforms (a sync parse throws on those).
 */
export const checkedOutput =
  <S extends z.ZodType>(schema: S) =>
  (value: unknown): z.output<S> =>
    schema.parse(value);

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(domainErrors);

/**
 * Procedures for signed-in callers: the token is checked on every call (signature, expiry,
 * revocation), so a token revoked on any instance fails here at once. Narrows `ctx.actor`.
 *
 * One middleware that maps domain errors as `domainErrors` does (a failed sign-in check too), not
 * `domainErrors` plus a second: each middleware level costs tRPC's `callRecursive` four object
 * spreads of the call's options (Babel's `_objectSpread2`, with `defineProperties`), which were
 * about a fifth of a stored send's CPU over the WebSocket (bench store workload, `--cpu-prof`).
 */
export const authedProcedure = t.procedure.use(async ({ ctx, next }) => {
  let actor: Actor;
  try {
    if (!ctx.token) throw new AppError("UNAUTHENTICATED", "sign in first: no token was given");
    actor = await authenticate(ctx.deps, ctx.token);
  } catch (error) {
    throw toTrpcError(error);
  }
  const result = await next({ ctx: { actor } });
  if (!result.ok) throw toTrpcError(result.error);
  return result;
});
