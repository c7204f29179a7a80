import { appRouter, type Context } from "@parley/api";
import { TRPCError } from "@trpc/server";
import { isObservable } from "@trpc/server/observable";
import { callProcedure, getTRPCErrorFromUnknown, isAsyncIterable } from "@trpc/server/unstable-core-do-not-import";
import { type Answer, errorAnswer, inputWithLastEventId, type ParsedCall } from "./protocol";
import type { ReportError } from "./subscriptions";

/** The socket a call came on, as its call needs it. */
export interface CallSocket {
  /** The socket's context once made; until then undefined, and a call waits for `context`. */
  readonly ctx: Context | undefined;
  /** The socket's context being made: rejects with the error that failed the connection. */
  readonly context: Promise<Context> | null;
  /** Writes an answer (counting its call out of the drain: see `CallGate.encode`). */
  answer(answer: Answer): void;
  /** Logs a call that failed (tRPC's `onError`). */
  readonly report: ReportError;
}

/**
 * Runs one query or mutation that came on a tRPC WebSocket (the `batchIndex`th call of its frame)
 * and answers it as tRPC's adapter did: `{ id, jsonrpc?, result: { type: "data", data } }`, or
 * `{ id, jsonrpc?, error }` shaped by the router's `errorFormatter` (bad input, unknown path,
 * UNAUTHORIZED when the socket's context failed, UNSUPPORTED_MEDIA_TYPE for a procedure that
 * returned a stream). A call whose id is null is answered PARSE_ERROR "`id` is required".
 *
 * Per call: no AbortController (no query or mutation of the router reads `signal`; tRPC's adapter
 * made one per call), no async function, and no wait for the context once the socket has it.
 */
export function runCall(socket: CallSocket, call: ParsedCall, batchIndex: number): void {
  const { id, jsonrpc } = call;
  if (id === null) {
    const error = new TRPCError({ code: "PARSE_ERROR", message: "`id` is required" });
    socket.report(error, undefined);
    socket.answer(errorAnswer(id, jsonrpc, error, { type: "unknown" }, socket.ctx));
    return;
  }
  if (call.method !== "query" && call.method !== "mutation") return; // subscriptions are run by SocketSubscriptions
  const { path, lastEventId } = call.params;
  const input = inputWithLastEventId(call.params.input, lastEventId);
  const type = call.method;
  const run = (ctx: Context) =>
    callProcedure({
      router: appRouter,
      path,
      getRawInput: async () => input,
      ctx,
      type,
      signal: undefined,
      batchIndex,
    });
  const { ctx } = socket;
  const result =
    ctx !== undefined
      ? run(ctx)
      : (
          socket.context ?? Promise.reject(new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "no context" }))
        ).then(run);
  result.then(
    (data: unknown) => {
      if (isAsyncIterable(data) || isObservable(data)) {
        fail(
          new TRPCError({
            code: "UNSUPPORTED_MEDIA_TYPE",
            message: `Cannot return an async iterable or observable from a ${type} procedure with WebSockets`,
          }),
        );
        return;
      }
      socket.answer({ id, jsonrpc, result: { type: "data", data } });
    },
    (cause: unknown) => fail(cause),
  );
  function fail(cause: unknown) {
    const error = getTRPCErrorFromUnknown(cause);
    socket.report(error, path);
    socket.answer(errorAnswer(id, jsonrpc, error, { type, path, input }, socket.ctx));
  }
}
