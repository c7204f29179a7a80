import { appRouter } from "@parley/api";
import { TRPCError } from "@trpc/server";
import type { Encoder } from "@trpc/server/adapters/ws";
import {
  getErrorShape,
  parseConnectionParamsFromUnknown,
  parseTRPCMessage,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";
import type { WebSocket } from "ws";

/**
 * tRPC 11's WebSocket wire protocol, as its own adapter (`getWSConnectionHandler`) speaks it and
 * Parley's sockets now answer it. A client sends, when its URL says `?connectionParams=1`, first
 * `{ method: "connectionParams", data: { token?: string, … } }`, then calls, one per frame or several
 * in a JSON array: `{ id, jsonrpc?, method: "query" | "mutation" | "subscription" |
 * "subscription.stop", params: { path, input?, lastEventId? } }`. Each call with an id is answered
 * `{ id, jsonrpc?, result: { type: "data", data } }` or `{ id, jsonrpc?, error }` (the error shaped by
 * the router's `errorFormatter`); a frame that is no call is answered `{ id: null, error }`
 * (PARSE_ERROR). A text frame "PING" is answered "PONG"; "PONG" is heard and not answered.
 */

export type CallId = string | number;

/** A call as `parseTRPCMessage` leaves it: checked, its input deserialized by the router's transformer. */
export type ParsedCall = ReturnType<typeof parseTRPCMessage>;

/** What a call's answer holds besides its id (`jsonrpc` is left out when the call had none: JSON drops undefined). */
export interface Answer {
  id: CallId | null;
  jsonrpc?: "2.0" | undefined;
  result?: unknown;
  error?: unknown;
}

/** The keep-alive frames (see socket/heartbeat): the server's "PING" is answered "PONG", and back. */
export const PING = "PING";
export const PONG = "PONG";

const { _config: config } = appRouter._def;

/** Parses one decoded frame into its calls; throws (with tRPC's words) on the first that is no call. */
export function parseCalls(items: unknown[]): ParsedCall[] {
  return items.map((item) => parseTRPCMessage(item, config.transformer));
}

/**
 * The connection parameters of a `connectionParams` frame: `data`, an object of strings, or null.
 * Throws PARSE_ERROR as tRPC's adapter does ("Malformed TRPCConnectionParamsMessage" for a frame
 * that is no JSON object, "Invalid connection params shape" for `data` that is no object of strings).
 */
export function connectionParamsOf(encoder: Encoder, data: string | Buffer): Record<string, string> | null {
  let frame: unknown;
  try {
    frame = encoder.decode(data);
    if (typeof frame !== "object" || frame === null) throw new Error("Message was not an object");
  } catch (cause) {
    throw new TRPCError({ code: "PARSE_ERROR", message: "Malformed TRPCConnectionParamsMessage", cause });
  }
  return parseConnectionParamsFromUnknown((frame as { data?: unknown }).data) as Record<string, string> | null;
}

/**
 * A call's input with its `lastEventId` (a reconnecting client's resume point) merged in, as tRPC's
 * adapter merges it: into a copy of an object input (not an array), or as `{ lastEventId }` when there is no input.
 */
export function inputWithLastEventId(input: unknown, lastEventId: string | undefined): unknown {
  if (lastEventId === undefined) return input;
  const isObject = typeof input === "object" && input !== null && !Array.isArray(input);
  return isObject ? { ...input, lastEventId } : (input ?? { lastEventId });
}

/** A frame with the data `error` shaped by the router's `errorFormatter` (`type` "unknown" for no call). */
export function errorAnswer(
  id: CallId | null,
  jsonrpc: "2.0" | undefined,
  error: TRPCError,
  call: { type: "query" | "mutation" | "subscription" | "unknown"; path?: string | undefined; input?: unknown },
  ctx?: unknown,
): Answer {
  const shape = getErrorShape({
    config,
    error,
    type: call.type,
    path: call.path,
    input: call.input,
    ctx: ctx as never,
  });
  return { id, jsonrpc, error: shape };
}

/** Writes `answer` to `ws` as tRPC's adapter does: through the router's transformer, then `encoder`. */
export function sendAnswer(ws: WebSocket, encoder: Pick<Encoder, "encode">, answer: Answer): void {
  // biome-ignore lint/suspicious/noExplicitAny: tRPC's response envelope, exactly as its adapter writes it
  ws.send(encoder.encode(transformTRPCResponse(config, answer as any)));
}
