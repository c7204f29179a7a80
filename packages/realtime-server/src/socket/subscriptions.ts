import { appRouter, type Context, pullStreamed, type StreamReader } from "@parley/api";
import { TRPCError } from "@trpc/server";
import type { Encoder } from "@trpc/server/adapters/ws";
import {
  callProcedure,
  getErrorShape,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isTrackedEnvelope,
} from "@trpc/server/unstable-core-do-not-import";
import type { WebSocket } from "ws";
import { type CallId, inputWithLastEventId, sendAnswer } from "./protocol";

/** A subscription call as tRPC's `parseTRPCMessage` leaves it (the input already deserialized). */
export interface SubscriptionCall {
  id: CallId;
  jsonrpc?: "2.0";
  method: "subscription" | "subscription.stop";
  params?: { path: string; input?: unknown; lastEventId?: string };
}

/** Logs a call that failed (tRPC's `onError`, with the same fields that matter here). */
export type ReportError = (error: TRPCError, path: string | undefined) => void;

const WEBSOCKET_OPEN = 1;
const ignore = () => {};
const { _config: config } = appRouter._def;

/**
 * One subscription running on a socket: all that an idle one holds, with its iterator's one pending
 * read. It is its stream's reader (`pullStreamed`): the results go to its socket's subscriptions.
 */
class Running implements StreamReader<unknown> {
  iterator: AsyncIterator<unknown> | null = null;
  /** Ended: stopped by the client, the socket closed, or the stream done or failed; later results are dropped. */
  ended = false;

  constructor(
    private readonly owner: SocketSubscriptions,
    readonly id: CallId,
    readonly jsonrpc: "2.0" | undefined,
    readonly path: string,
  ) {}

  took(result: IteratorResult<unknown>): void {
    this.owner.item(this, result);
  }

  failed(cause: unknown): void {
    this.owner.failed(this, cause);
  }
}

/**
 * The subscriptions of one tRPC WebSocket, run by Parley instead of tRPC's adapter, on the same wire
 * protocol (`started`, `data` with a tracked envelope's `id`, `stopped`, errors shaped by the
 * router's `errorFormatter`) and through the same procedures (`callProcedure`: middlewares, input
 * parsing, the router's transformer). tRPC's adapter parks an async function per subscription
 * racing each `next()` against an abort promise through `Unpromise` (about 5.8 KiB per idle
 * subscription, measured with bench/src/tools/conn-heap.ts); here an idle subscription is one
 * `Running` record and its stream's pending read (`pullStreamed`: no promise of its own).
 *
 * A subscription ends by its iterator's `return()`. No `signal` is given to the procedure (an
 * AbortController per subscription held about 1 KB): Parley's subscriptions are `streamed`
 * (api/trpc.ts), whose `return()` stops a stream at once, even while it waits on the bus. (An
 * async generator returned by a procedure itself would end only at its next event.)
 *
 * `CallGate.decode` hands over each `subscription` and `subscription.stop` call; answers are
 * written through `encoder` (the socket's CallGate, which counts calls out of the drain).
 */
export class SocketSubscriptions {
  /** The subscriptions running, by call id; made with the first, since many sockets only make calls. */
  private running: Map<CallId, Running> | null = null;
  /** The socket's tRPC context, from the moment it is being made (see `TrpcSocket`). */
  context: Promise<Context> | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly encoder: Pick<Encoder, "encode">,
    private readonly report: ReportError,
  ) {}

  /** Starts or stops the subscription `call` (the `batchIndex`th call of its frame). */
  take(call: SubscriptionCall, batchIndex: number): void {
    if (call.method === "subscription.stop") {
      this.stop(this.running?.get(call.id), true);
      return;
    }
    const path = call.params?.path ?? "";
    const running = new Running(this, call.id, call.jsonrpc, path);
    this.start(running, call, batchIndex).catch((cause: unknown) => {
      if (this.running?.get(running.id) === running) this.running.delete(running.id);
      running.ended = true;
      running.iterator?.return?.().catch(ignore);
      this.fail(running, cause);
    });
  }

  /** Ends every subscription of a socket that closed (nothing more is written to it). */
  closed(): void {
    const { running } = this;
    if (!running) return;
    for (const each of running.values()) this.stop(each, false);
    running.clear();
  }

  private async start(running: Running, call: SubscriptionCall, batchIndex: number): Promise<void> {
    const { id } = running;
    this.running ??= new Map();
    if (this.running.has(id)) throw new TRPCError({ code: "BAD_REQUEST", message: `Duplicate id ${id}` });
    this.running.set(id, running);
    const input = inputWithLastEventId(call.params?.input, call.params?.lastEventId);
    if (!this.context) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "no context for this socket" });
    const ctx = await this.context;
    const result: unknown = await callProcedure({
      router: appRouter,
      path: running.path,
      getRawInput: async () => input,
      ctx,
      type: "subscription",
      signal: undefined,
      batchIndex,
    });
    if (!isAsyncIterable(result)) {
      throw new TRPCError({
        code: "INTERNAL_SERVER_ERROR",
        message: `Subscription ${running.path} did not return an AsyncGenerator`,
      });
    }
    const iterator = result[Symbol.asyncIterator]();
    running.iterator = iterator;
    if (running.ended || this.ws.readyState !== WEBSOCKET_OPEN) {
      // Stopped, or the socket closed, while the procedure ran: end the stream it opened.
      this.stop(running, false);
      iterator.return?.().catch(ignore); // a stop while it ran found no iterator to return
      this.write({ id, jsonrpc: running.jsonrpc, result: { type: "started" } });
      return;
    }
    this.pull(running);
    this.write({ id, jsonrpc: running.jsonrpc, result: { type: "started" } });
  }

  private pull(running: Running): void {
    const { iterator } = running;
    if (!iterator || pullStreamed(iterator, running)) return;
    iterator.next().then(
      (item) => this.item(running, item),
      (cause: unknown) => this.failed(running, cause),
    );
  }

  /** The next result of `running`'s stream. */
  item(running: Running, item: IteratorResult<unknown>): void {
    if (running.ended) return;
    if (item.done) {
      this.finish(running);
      return;
    }
    const { value } = item;
    const result = isTrackedEnvelope(value)
      ? { type: "data" as const, id: value[0], data: { id: value[0], data: value[1] } }
      : { type: "data" as const, data: value };
    this.write({ id: running.id, jsonrpc: running.jsonrpc, result });
    this.pull(running);
  }

  /** `running`'s stream failed. */
  failed(running: Running, cause: unknown): void {
    if (running.ended) return;
    this.fail(running, cause);
    this.finish(running);
  }

  /** The stream ended by itself (done, or after its error): "stopped", and the iterator released. */
  private finish(running: Running): void {
    this.write({ id: running.id, jsonrpc: running.jsonrpc, result: { type: "stopped" } });
    this.stop(running, false);
  }

  /** Ends `running` (if it runs): aborts its signal, returns its iterator, and says "stopped" if `answer`. */
  private stop(running: Running | undefined, answer: boolean): void {
    if (!running || running.ended) return;
    running.ended = true;
    if (this.running?.get(running.id) === running) this.running.delete(running.id);
    running.iterator?.return?.().catch(ignore);
    if (answer && running.iterator) {
      this.write({ id: running.id, jsonrpc: running.jsonrpc, result: { type: "stopped" } });
    }
  }

  private fail(running: Running, cause: unknown): void {
    const error = getTRPCErrorFromUnknown(cause);
    this.report(error, running.path);
    const shape = getErrorShape({
      config,
      error,
      type: "subscription",
      path: running.path,
      input: undefined,
      ctx: undefined,
    });
    this.write({ id: running.id, jsonrpc: running.jsonrpc, error: shape });
  }

  /** Writes an answer as tRPC's adapter does (`jsonrpc` left out when the call had none: JSON drops undefined). */
  private write(frame: { id: CallId; jsonrpc: "2.0" | undefined; result?: unknown; error?: unknown }): void {
    sendAnswer(this.ws, this.encoder, frame);
  }
}
