import type { Encoder } from "@trpc/server/adapters/ws";

/** The JSON of each message event, keyed by the message object the bus handed every subscriber. */
const messageJson = new WeakMap<object, string>();

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * The JSON of a message a subscription delivers, computed once per process however many sockets
 * it goes to. The bus parses each event once and hands the same object to every local subscriber;
 * without this, tRPC would stringify that message again for every one of them.
 */
function sharedMessageJson(message: object): string {
  let json = messageJson.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    messageJson.set(message, json);
  }
  return json;
}

/**
 * tRPC's wire encoding (JSON text frames), with a fast path for the frame that dominates fan-out:
 * `{ id, jsonrpc?, result: { type: "data", id, data: { id, data: { type: "message", message } } } }`,
 * a tracked room event. Everything else is `JSON.stringify`, as tRPC's own encoder does.
 */
export const wireEncoder: Encoder = {
  encode(frame) {
    if (!isObject(frame) || !isObject(frame.result) || frame.result.type !== "data") return JSON.stringify(frame);
    const { result } = frame;
    const tracked = result.data;
    if (!isObject(tracked) || !isObject(tracked.data) || Object.keys(tracked).length !== 2)
      return JSON.stringify(frame);
    const event = tracked.data;
    if (event.type !== "message" || !isObject(event.message) || Object.keys(event).length !== 2) {
      return JSON.stringify(frame);
    }
    const head = frame.jsonrpc === undefined ? "" : `"jsonrpc":${JSON.stringify(frame.jsonrpc)},`;
    return (
      `{"id":${JSON.stringify(frame.id)},${head}"result":{"type":"data","id":${JSON.stringify(result.id)},` +
      `"data":{"id":${JSON.stringify(tracked.id)},"data":{"type":"message","message":${sharedMessageJson(event.message)}}}}}`
    );
  },
  decode(data) {
    if (typeof data !== "string") throw new Error("tRPC frames are JSON text");
    return JSON.parse(data);
  },
};
