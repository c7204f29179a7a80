import { appRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { TRPCError } from "@trpc/server";
import type { Encoder } from "@trpc/server/adapters/ws";
import { getErrorShape, parseTRPCMessage } from "@trpc/server/unstable-core-do-not-import";
import type { WebSocket } from "ws";
import { type Drain, RESTARTING } from "./drain";
import { type ReportError, SocketSubscriptions, type SubscriptionCall } from "./subscriptions";

/**
 * The most calls one tRPC WebSocket frame may carry: the same cap as one batched HTTP request
 * (`MAX_BATCH_SIZE`, tRPC's `maxBatchSize` in http.ts). Without it, one 64 KiB frame made the
 * process run hundreds of procedures at once.
 */
export const MAX_CALLS_PER_FRAME = MAX_BATCH_SIZE;

const CALL_METHODS = new Set(["query", "mutation", "subscription"]);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

type CallId = string | number;

/** A `subscription` or `subscription.stop` call with an id (tRPC itself answers one without). */
const isSubscriptionCall = (item: unknown): item is SubscriptionCall =>
  isObject(item) &&
  (item.method === "subscription" || item.method === "subscription.stop") &&
  (typeof item.id === "string" || typeof item.id === "number");

export interface CallGateOptions {
  /** The encoder the socket's frames are really written and read with. */
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
 * The gate every tRPC call over one WebSocket passes, as that socket's encoder (tRPC decodes each
 * frame and encodes each answer through it, synchronously, on the socket's own handler):
 * - a frame of more than `MAX_CALLS_PER_FRAME` calls is refused whole: none of them runs, and each
 *   is answered with the same BAD_REQUEST in words (tRPC's own client sends every call queued in
 *   one tick as one frame, and waits for an answer per call id);
 * - each call is charged to the socket's frame allowance;
 * - a call counts as in flight (`drain`) from the frame that carried it until its answer is
 *   encoded (a query's or mutation's result or error; a subscription's "started" or error);
 * - while the process drains, new calls are answered SERVICE_UNAVAILABLE with `RESTARTING`;
 *   `subscription.stop` still passes;
 * - subscriptions (`subscription`, `subscription.stop`) are taken out of the frame and run by the
 *   socket's `SocketSubscriptions`, not by tRPC's adapter (which gets queries and mutations only).
 */
export class CallGate implements Encoder {
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

  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    const decoded = this.options.encoder.decode(data);
    // The connection parameters (the first frame of a client that sends them) are no call.
    if (!Array.isArray(decoded) && (!isObject(decoded) || decoded.method === "connectionParams")) return decoded;
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
      return this.takeSubscriptions(items.filter((item) => !refused.includes(item)));
    }
    for (const item of items) {
      if (!isObject(item) || !CALL_METHODS.has(String(item.method))) continue;
      const { id } = item;
      if (typeof id !== "string" && typeof id !== "number") continue;
      this.pending ??= new Map();
      if (this.pending.has(id)) continue;
      this.pending.set(id, drain.track());
    }
    const left = this.takeSubscriptions(items);
    return Array.isArray(decoded) || left.length !== 1 ? left : decoded;
  }

  /**
   * Hands the subscription calls among `items` to `subscriptions` and returns the rest, for tRPC.
   * A frame with any call tRPC's `parseTRPCMessage` refuses is left whole to tRPC, which answers it.
   */
  private takeSubscriptions(items: unknown[]): unknown[] {
    if (!items.some(isSubscriptionCall)) return items;
    const { transformer } = appRouter._def._config;
    let parsed: unknown[];
    try {
      parsed = items.map((item) => parseTRPCMessage(item, transformer));
    } catch {
      return items;
    }
    const left: unknown[] = [];
    parsed.forEach((call, index) => {
      if (isSubscriptionCall(call)) this.subscriptions.take(call, index);
      else left.push(items[index]);
    });
    return left;
  }

  /** Answers each call in `items` that has an id with `error`, as tRPC would have. */
  private refuse(items: unknown[], error: TRPCError) {
    for (const item of items) {
      if (!isObject(item) || item.id === null || item.id === undefined) continue;
      const params = isObject(item.params) ? item.params : {};
      const shape = getErrorShape({
        config: appRouter._def._config,
        error,
        type: CALL_METHODS.has(String(item.method)) ? (item.method as "query") : "unknown",
        path: typeof params.path === "string" ? params.path : undefined,
        input: undefined,
        ctx: undefined,
      });
      const answer = { id: item.id, ...(item.jsonrpc === undefined ? {} : { jsonrpc: item.jsonrpc }), error: shape };
      this.ws.send(this.options.encoder.encode(answer));
    }
  }
}
