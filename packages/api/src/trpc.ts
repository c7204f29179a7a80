import { initTRPC, TRPCError } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError, type z } from "zod";
import type { StopSignal } from "./bus";
import type { ConnectionSlots, Context } from "./context";
import type { Actor } from "./deps";
import {
  AppError,
  databaseUnavailable,
  isDatabaseUnavailable,
  MAX_REQUEST_BODY_BYTES,
  readableIssues,
  tooLargeWords,
  trpcCodeOf,
} from "./errors";
import { RateLimited } from "./limits";
import { authenticate, CHOOSE_A_PASSWORD } from "./services/auth";

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
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
        message:
          error.code === "INTERNAL_SERVER_ERROR"
            ? "something went wrong on our side"
            : // tRPC's HTTP adapter refuses a body over its limit saying only its code.
              error.code === "PAYLOAD_TOO_LARGE" && shape.message === "PAYLOAD_TOO_LARGE"
              ? tooLargeWords("the request body", MAX_REQUEST_BODY_BYTES)
              : shape.message,
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
 * connection's subscription `slots` (if any; given back when it ends), opens the stream, maps each
 * item for the wire and counts it in `delivered`, and maps what the stream throws the way the
 * middleware maps errors, since it throws after the middleware returned.
 *
 * The stream is its source's stop signal (`open` is handed it): `return()` stops the source at
 * once, even while it waits on the bus (an async generator's own `return()` would wait for its
 * pending `next()`), and so does `signal` aborting, when tRPC's adapter gives one. A transport
 * that ends its subscriptions by `return()` (Parley's WebSocket) needs no AbortController per
 * subscription, which cost about 1 KB each.
 */
export function streamed<T, U>(
  open: (stop: StopSignal) => AsyncIterable<T>,
  map: (item: T) => U,
  slots?: Pick<ConnectionSlots, "claimSubscription" | "releaseSubscription">,
  delivered?: { inc(): void },
  signal?: AbortSignal,
): AsyncIterableIterator<U> {
  return new MappedStream(open, map, slots, delivered, signal);
}

/** Takes a `streamed` stream's results by call rather than by promise (see `pullStreamed`). */
export interface StreamReader<U> {
  /** The next result: an item, or done. */
  took(result: IteratorResult<U>): void;
  /** The stream failed: a tRPC error (a domain error already mapped, as `next()` rejects with it). */
  failed(error: unknown): void;
}

/**
 * `iterator.next()` for a transport that reads a subscription's stream itself, when the iterator
 * is a `streamed` stream: the result goes to `reader`, once, and no promise comes back to the
 * caller (an idle subscription is spared that promise, its reaction and the two closures it
 * waits with, about 250 bytes). Returns false, and reads nothing, for any other iterator.
 */
export function pullStreamed<U>(iterator: AsyncIterator<U>, reader: StreamReader<U>): boolean {
  if (!(iterator instanceof MappedStream)) return false;
  iterator.pullInto(reader);
  return true;
}

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

type StopListener = Parameters<StopSignal["addEventListener"]>[1];

class MappedStream<T, U> implements AsyncIterableIterator<U>, StopSignal {
  /** Until the stream is opened: dropped then, with whatever its closure holds. */
  private open: ((stop: StopSignal) => AsyncIterable<T>) | undefined;
  private source: AsyncIterator<T> | undefined;
  /** Holds one of the connection's subscription slots. */
  private holdsSlot = false;
  private ended = false;
  private stopped = false;
  /** Who listens for the stop: one (the bus subscription, usually), or several. */
  private stopListeners: StopListener | StopListener[] | undefined;

  constructor(
    open: (stop: StopSignal) => AsyncIterable<T>,
    private readonly map: (item: T) => U,
    private readonly slots: Pick<ConnectionSlots, "claimSubscription" | "releaseSubscription"> | undefined,
    private readonly delivered: { inc(): void } | undefined,
    signal: AbortSignal | undefined,
  ) {
    this.open = open;
    if (signal?.aborted) this.stopped = true;
    else signal?.addEventListener("abort", this, { once: true });
  }

  /** Stopped: returned, or its tRPC signal aborted. */
  get aborted(): boolean {
    return this.stopped;
  }

  addEventListener(_type: "abort", listener: StopListener, _options: { once: true }): void {
    if (this.stopped) return;
    const listeners = this.stopListeners;
    if (listeners === undefined) this.stopListeners = listener;
    else if (Array.isArray(listeners)) listeners.push(listener);
    else this.stopListeners = [listeners, listener];
  }

  /** Its tRPC signal aborted. */
  handleEvent(): void {
    this.stop();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<U> {
    return this;
  }

  next(): Promise<IteratorResult<U>> {
    let source: AsyncIterator<T> | null;
    try {
      source = this.opened();
    } catch (error) {
      return Promise.reject(error);
    }
    if (!source) return Promise.resolve(DONE);
    return source.next().then(
      (result) => this.item(result),
      (error) => this.fail(error),
    );
  }

  /** `next()`, its result handed to `reader` (always after this returns) instead of a promise: see `pullStreamed`. */
  pullInto(reader: StreamReader<U>): void {
    let source: AsyncIterator<T> | null;
    try {
      source = this.opened();
    } catch (error) {
      queueMicrotask(() => reader.failed(error));
      return;
    }
    if (!source) {
      queueMicrotask(() => reader.took(DONE));
      return;
    }
    source.next().then(
      (result) => {
        let item: IteratorResult<U>;
        try {
          item = this.item(result);
        } catch (error) {
          reader.failed(error);
          return;
        }
        reader.took(item);
      },
      (error) => {
        try {
          this.fail(error);
        } catch (failure) {
          reader.failed(failure);
        }
      },
    );
  }

  /**
   * The source to read, opened at the first read (taking a slot); null once the stream ended.
   * Throws, as a tRPC error, when it cannot be opened (no slot left, or the service threw).
   */
  private opened(): AsyncIterator<T> | null {
    if (this.ended) return null;
    if (this.source) return this.source;
    const open = this.open;
    this.open = undefined;
    try {
      if (!open) throw new Error("the stream failed to open before");
      this.slots?.claimSubscription();
      this.holdsSlot = this.slots !== undefined;
      this.source = open(this)[Symbol.asyncIterator]();
      return this.source;
    } catch (error) {
      this.end();
      throw toTrpcError(error);
    }
  }

  return(): Promise<IteratorResult<U>> {
    const source = this.source;
    this.end();
    this.stop();
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
    this.open = undefined;
    if (this.holdsSlot) {
      this.holdsSlot = false;
      this.slots?.releaseSubscription();
    }
  }

  /** Tells the source to stop, once. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const listeners = this.stopListeners;
    this.stopListeners = undefined;
    if (listeners === undefined) return;
    for (const listener of Array.isArray(listeners) ? listeners : [listeners]) listener.handleEvent();
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
export function checkedOutput<S extends z.ZodType>(schema: S): S {
  // A copy of the schema (the REST API's document reads its shape) whose parseAsync, the one
  // tRPC calls, is the synchronous parse.
  const checked = schema.clone();
  Object.defineProperty(checked, "parseAsync", { value: async (value: unknown) => schema.parse(value) });
  return checked;
}

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
export const authedProcedure = t.procedure.use(async ({ ctx, path, next }) => {
  let actor: Actor;
  try {
    if (!ctx.token) throw new AppError("UNAUTHENTICATED", "sign in first: no token was given");
    actor = await authenticate(ctx.deps, ctx.token);
  } catch (error) {
    throw toTrpcError(error);
  }
  if (actor.mustChangePassword && !WHILE_PASSWORD_MUST_CHANGE.has(path)) {
    throw new TRPCError({ code: "FORBIDDEN", message: CHOOSE_A_PASSWORD });
  }
  const result = await next({ ctx: { actor } });
  if (!result.ok) throw toTrpcError(result.error);
  return result;
});

/** What a session whose password an administrator reset may still do (see `Actor.mustChangePassword`). */
const WHILE_PASSWORD_MUST_CHANGE = new Set(["auth.changePassword", "auth.logout", "auth.me", "profile.mine"]);

/**
 * What tRPC answers a call of a procedure that does not exist, `type` being the call's (query,
 * mutation or subscription): `callProcedure`'s own error, word for word, which the WebSocket and
 * server-side callers get. (tRPC over HTTP says "No procedure found on path …": the HTTP
 * transports never reach an administrator's procedure for anyone else, see `isAdminProcedure`.)
 */
export const noSuchProcedure = (type: string, path: string) =>
  new TRPCError({ code: "NOT_FOUND", message: `No "${type}"-procedure on path "${path}"` });

/**
 * The check of `adminProcedure`: the caller must be a signed-in administrator. Anyone else (signed
 * out, a bad or ended token, a member, a bot) gets exactly what a procedure that does not exist
 * answers, not UNAUTHORIZED nor FORBIDDEN, so that the administration's surface is not advertised.
 * An administrator whose password was reset gets FORBIDDEN (choose a password), as everywhere.
 */
const administratorsOnly = t.middleware(async ({ ctx, path, type, next }) => {
  let actor: Actor | undefined;
  try {
    if (ctx.token) actor = await authenticate(ctx.deps, ctx.token);
  } catch (error) {
    // A database that does not answer is not an answer about who the caller is.
    if (isDatabaseUnavailable(error)) throw toTrpcError(error);
  }
  if (actor?.role !== "admin") throw noSuchProcedure(type, path);
  if (actor.mustChangePassword) throw new TRPCError({ code: "FORBIDDEN", message: CHOOSE_A_PASSWORD });
  const result = await next({ ctx: { actor } });
  if (!result.ok) throw toTrpcError(result.error);
  return result;
});

/**
 * For administrators only. Anyone else, signed in or not, gets the same NOT_FOUND as for a
 * procedure that does not exist (see `administratorsOnly`; the HTTP transports route such callers
 * around these procedures altogether: `routerWithoutAdministration`). The check runs before the
 * input is parsed: bad input from anyone else is NOT_FOUND too.
 */
export const adminProcedure = t.procedure.use(administratorsOnly);

/** The check as tRPC keeps it in each procedure's middlewares (the function, not its builder). */
const adminCheck = adminProcedure._def.middlewares.at(-1);

/** Whether a procedure is for administrators only (built on `adminProcedure`). */
export function isAdminProcedure(procedure: unknown): boolean {
  const middlewares = (procedure as { _def?: { middlewares?: readonly unknown[] } })._def?.middlewares;
  return adminCheck !== undefined && (middlewares?.includes(adminCheck) ?? false);
}
