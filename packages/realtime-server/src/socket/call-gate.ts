import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { TRPCError } from "@trpc/server";
import type { Encoder } from "@trpc/server/adapters/ws";
import type { WebSocket } from "ws";
import { type Drain, RESTARTING } from "./drain";
import { type CallId, errorAnswer, type ParsedCall, parseCalls, sendAnswer } from "./protocol";
import { type ReportError, SocketSubscriptions, type SubscriptionCall } from "./subscriptions";

/**
 * The most calls one tRPC WebSocket frame may carry: the same cap as one batched HTTP request
 * (`MAX_BATCH_SIZE`, tRPC's `maxBatchSize` in http.ts). Without it, one 64 KiB frame made the
 * process run hundreds of procedures at once.
 */
export const MAX_CALLS_PER_FRAME = MAX_BATCH_SIZE;

const CALL_METHODS = new Set(["query", "mutation", "subscription"]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** A `subscription` or `subscription.stop` call with an id (one without is answered as any call without). */
const isSubscriptionCall = (call: ParsedCall): call is ParsedCall & SubscriptionCall =>
  (call.method === "subscription" || call.method === "subscription.stop") && call.id !== null;

export interface CallGateOptions {
  /** The encoder the socket's frames are really written and read with (tRPC's: JSON text). */
  encoder: Encoder;
  /**
   * Charges the socket's frame allowance (`WS_FRAMES_PER_CONNECTION`) for `calls` more calls.
   * The frame pace already counts each frame once, so a frame of n calls is charged n - 1 here:
   * five frames of 20 calls cost what 100 frames of one call cost.
   */
  charge(calls: number): void;
  /** The process's calls in flight, and whether it is draining for a shutdown. */
  drain: Drain;
  /** Logs a subscription that failed (see `SocketSubscriptions`). */
  report: ReportError;
}

/**
 * The gate every tRPC call over one WebSocket passes (`read` takes each frame's calls, `encode`
 * each answer):
 * - a frame of more than `MAX_CALLS_PER_FRAME` calls is refused whole: none of them runs, and each
 *   is answered with the same BAD_REQUEST in words (tRPC's own client sends every call queued in
 *   one tick as one frame, and waits for an answer per call id);
 * - each call is charged to the socket's frame allowance;
 * - a call counts as in flight (`drain`) from the frame that carried it until its answer is
 *   encoded (a query's or mutation's result or error; a subscription's "started" or error);
 * - while the process drains, new calls are answered SERVICE_UNAVAILABLE with `RESTARTING`;
 *   `subscription.stop` still passes;
 * - subscriptions (`subscription`, `subscription.stop`) are taken out of the frame and run by the
 *   socket's `SocketSubscriptions`; `read` returns the rest (queries, mutations, calls without id).
 */
export class CallGate {
  /**
   * Calls read and not yet answered, by id, with what counts each out of the drain; made with the
   * first call, since most sockets open a subscription or two and then only listen.
   */
  private pending: Map<CallId, () => void> | null = null;
  /** The socket's subscriptions, answered through this gate. */
  readonly subscriptions: SocketSubscriptions;

  constructor(
    private readonly ws: WebSocket,
    private readonly options: CallGateOptions,
  ) {
    this.subscriptions = new SocketSubscriptions(ws, this, options.report);
  }

  /** Encodes an answer (see `wireEncoder`); an answer to a call in flight counts it out of the drain. */
  encode(frame: unknown): string | Uint8Array<ArrayBuffer> {
    const { pending } = this;
    if (
      pending &&
      pending.size > 0 &&
      isObject(frame) &&
      (typeof frame.id === "string" || typeof frame.id === "number")
    ) {
      const done = pending.get(frame.id);
      if (done && ("error" in frame || (isObject(frame.result) && frame.result.type !== "stopped"))) {
        pending.delete(frame.id);
        done();
        if (pending.size === 0) this.pending = null;
      }
    }
    return this.options.encoder.encode(frame);
  }

  /**
   * The calls of one frame (text, or a Buffer for a binary frame) that the socket is to run now:
   * queries, mutations and calls without an id, parsed; subscriptions are handed to
   * `subscriptions`, and refused calls already answered. Throws, and runs nothing, for a frame
   * that is no JSON or holds anything that is no call (the caller answers PARSE_ERROR).
   */
  read(data: string | Buffer): ParsedCall[] {
    const decoded = this.options.encoder.decode(data);
    const items: unknown[] = Array.isArray(decoded) ? decoded : [decoded];
    if (items.length > 1) this.options.charge(items.length - 1);
    if (items.length > MAX_CALLS_PER_FRAME) {
      this.refuse(
        items,
        new TRPCError({
          code: "BAD_REQUEST",
          message: `a frame may carry at most ${MAX_CALLS_PER_FRAME} calls and this one carries ${items.length}: send fewer at a time`,
        }),
      );
      return [];
    }
    const { drain } = this.options;
    if (drain.draining) {
      const refused = items.filter((item) => isObject(item) && CALL_METHODS.has(String(item.method)));
      this.refuse(refused, new TRPCError({ code: "SERVICE_UNAVAILABLE", message: RESTARTING }));
      return this.takeSubscriptions(parseCalls(items.filter((item) => !refused.includes(item))));
    }
    const calls = parseCalls(items);
    for (const { id, method } of calls) {
      if (id === null || method === "subscription.stop") continue;
      this.pending ??= new Map();
      if (this.pending.has(id)) continue;
      this.pending.set(id, drain.track());
    }
    return this.takeSubscriptions(calls);
  }

  /** Hands the subscription calls among `calls` to `subscriptions` and returns the rest. */
  private takeSubscriptions(calls: ParsedCall[]): ParsedCall[] {
    if (!calls.some(isSubscriptionCall)) return calls;
    const left: ParsedCall[] = [];
    calls.forEach((call, index) => {
      if (isSubscriptionCall(call)) this.subscriptions.take(call, index);
      else left.push(call);
    });
    return left;
  }

  /** Answers each call in `items` that has an id with `error`, as tRPC would have. */
  private refuse(items: unknown[], error: TRPCError) {
    for (const item of items) {
      if (!isObject(item) || item.id === null || item.id === undefined) continue;
      const params = isObject(item.params) ? item.params : {};
      const type = CALL_METHODS.has(String(item.method)) ? (item.method as "query") : "unknown";
      const path = typeof params.path === "string" ? params.path : undefined;
      const jsonrpc = item.jsonrpc as "2.0" | undefined;
      sendAnswer(this.ws, this.options.encoder, errorAnswer(item.id as CallId, jsonrpc, error, { type, path }));
    }
  }
}
