import type { MessageOut, SubscriptionWire } from "@parley/api";
import type { Encoder } from "@trpc/server/adapters/ws";
import { textFrameHeader, textFrameHeaderBytes, writeTextFrameHeader } from "./socket/frame-writer";

/** The JSON of each message event, keyed by the message object the bus handed every subscriber. */
const messageJson = new WeakMap<object, string>();

/**
 * What each message's frames share, built once per process: the bytes after the subscription's
 * `head` (the payload's tail), and the whole frame, WebSocket header included, for the first
 * subscription id it went to (most subscriptions of a room share theirs, so most reuse it).
 */
const builtFrames = new WeakMap<object, { seq: number; tail: Buffer; head: string; frame: Buffer }>();

/** Wires waiting to learn their subscription's id, keyed by the event they marked. */
const unboundWires = new WeakMap<object, SocketWire>();

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

/** The start of every frame of one subscription: `{"id":…,"jsonrpc":…,` (tRPC's own key order). */
const frameHead = (id: unknown, jsonrpc: unknown) =>
  `{"id":${JSON.stringify(id)},${jsonrpc === undefined ? "" : `"jsonrpc":${JSON.stringify(jsonrpc)},`}`;

/** The data frame of a tracked room message, after the subscription's `head`. */
const messageFrameBody = (trackedId: string, message: object) =>
  `"result":{"type":"data","id":${JSON.stringify(trackedId)},` +
  `"data":{"id":${JSON.stringify(trackedId)},"data":{"type":"message","message":${sharedMessageJson(message)}}}}}`;

/**
 * tRPC's wire encoding (JSON text frames), with a fast path for the frame that dominates fan-out:
 * `{ id, jsonrpc?, result: { type: "data", id, data: { id, data: { type: "message", message } } } }`,
 * a tracked room event. Everything else is `JSON.stringify`, as tRPC's own encoder does. Encoding
 * a data frame whose event a `SocketWire` marked tells that wire its subscription's id.
 */
export const wireEncoder: Encoder = {
  encode(frame) {
    if (!isObject(frame) || !isObject(frame.result) || frame.result.type !== "data") return JSON.stringify(frame);
    const { result } = frame;
    const tracked = result.data;
    if (!isObject(tracked) || !isObject(tracked.data) || Object.keys(tracked).length !== 2)
      return JSON.stringify(frame);
    const event = tracked.data;
    unboundWires.get(event)?.bind(frameHead(frame.id, frame.jsonrpc));
    if (event.type !== "message" || !isObject(event.message) || Object.keys(event).length !== 2) {
      return JSON.stringify(frame);
    }
    return frameHead(frame.id, frame.jsonrpc) + messageFrameBody(String(tracked.id), event.message);
  },
  decode(data) {
    if (typeof data !== "string") throw new Error("tRPC frames are JSON text");
    return JSON.parse(data);
  },
};

/**
 * A text frame as a server sends it (FIN, no mask, no extensions: this server negotiates none),
 * header and payload in one buffer.
 */
export function textFrame(payload: Buffer): Buffer {
  return Buffer.concat([textFrameHeader(payload.length), payload]);
}

/**
 * The text frame carrying `head` then `tail`, built in one buffer (header, then both strings as
 * UTF-8), and `tail`'s bytes in it (a view, not a copy).
 */
function textFrameOf(head: string, tail: string): { frame: Buffer; tail: Buffer } {
  const headBytes = Buffer.byteLength(head);
  const length = headBytes + Buffer.byteLength(tail);
  const at = textFrameHeaderBytes(length);
  const frame = Buffer.allocUnsafe(at + length);
  writeTextFrameHeader(frame, length);
  frame.write(head, at);
  frame.write(tail, at + headBytes);
  return { frame, tail: frame.subarray(at + headBytes) };
}

/**
 * The frames of one message for a subscription whose frames start with `head`: one buffer when the
 * head is the one the message's shared frame was built for, else the subscription's own header and
 * head followed by the shared tail (spliced, not copied).
 */
function messageFrames(head: string, seq: number, message: MessageOut): Buffer[] {
  let built = builtFrames.get(message);
  if (built?.seq !== seq) {
    built = { seq, head, ...textFrameOf(head, messageFrameBody(String(seq), message)) };
    builtFrames.set(message, built);
  }
  if (built.head === head) return [built.frame];
  const headBytes = Buffer.byteLength(head);
  const length = headBytes + built.tail.length;
  const at = textFrameHeaderBytes(length);
  const prefix = Buffer.allocUnsafe(at + headBytes);
  writeTextFrameHeader(prefix, length);
  prefix.write(head, at);
  return [prefix, built.tail];
}

/**
 * The socket a `SocketWire` writes to: one object per socket, shared by its wires (no closures per
 * wire).
 */
export interface WireSocket {
  /** The backpressure gate every frame passes: false once the socket is closed or being cut off. */
  admit(): boolean;
  /** Writes pre-encoded WebSocket frames (header included), in order, after what was written before. */
  writeFrames(chunks: readonly Buffer[]): void;
}

/**
 * A subscription's frames written straight to its socket (see `SubscriptionWire`). A message is
 * encoded once per process, WebSocket header included, and the same bytes go to every socket (a
 * subscription with another id gets its own few bytes of header spliced before the shared rest).
 * Every frame passes `socket.admit` (the backpressure gate), then `socket.writeFrames`.
 */
export class SocketWire implements SubscriptionWire {
  /** `{"id":…,` of this subscription's frames, once a marked event has been encoded. */
  private head: string | undefined;

  constructor(
    private readonly socket: WireSocket,
    /** Counts each frame written. */
    private readonly delivered?: { inc(): void },
  ) {}

  mark(event: object): void {
    if (this.head === undefined) unboundWires.set(event, this);
  }

  bind(head: string): void {
    this.head ??= head;
  }

  writeMessage(seq: number, message: MessageOut): boolean {
    const { head } = this;
    if (head === undefined) return false;
    const { socket } = this;
    if (!socket.admit()) return true; // cut off: the socket is closing
    this.delivered?.inc();
    socket.writeFrames(messageFrames(head, seq, message));
    return true;
  }
}
