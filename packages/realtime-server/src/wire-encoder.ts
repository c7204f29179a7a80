import type { MessageOut, SubscriptionWire } from "@parley/api";
import type { Encoder } from "@trpc/server/adapters/ws";
import type { WebSocket } from "ws";

/** The JSON of each message event, keyed by the message object the bus handed every subscriber. */
const messageJson = new WeakMap<object, string>();

/** The last frame built for each message: most subscriptions share their id, so most reuse it. */
const lastFrame = new WeakMap<object, { head: string; payload: Buffer; frame: Buffer }>();

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
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) frame[1] = length;
  else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}

/** What `ws` keeps of a socket's sender; engine.io writes Socket.IO's broadcasts through it too. */
interface WsSender {
  _sender?: { _state?: number; sendFrame?(frames: Buffer[]): void };
}

/** The sender's state when nothing is being compressed or read ahead of the queue (ws's `DEFAULT`). */
const SENDER_IDLE = 0;

/**
 * A subscription's frames written straight to its socket (see `SubscriptionWire`). A message's
 * frame, WebSocket header included, is built once per process and subscription id and written as
 * the same bytes to every socket. `admit` is the backpressure gate every frame passes.
 */
export class SocketWire implements SubscriptionWire {
  /** `{"id":…,` of this subscription's frames, once a marked event has been encoded. */
  private head: string | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly admit: () => boolean,
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
    let built = lastFrame.get(message);
    if (built?.head !== head) {
      const payload = Buffer.from(head + messageFrameBody(String(seq), message));
      built = { head, payload, frame: textFrame(payload) };
      lastFrame.set(message, built);
    }
    if (!this.admit()) return true; // cut off: the socket is closing
    this.delivered?.inc();
    const sender = (this.ws as WsSender)._sender;
    if (sender?.sendFrame && sender._state === SENDER_IDLE) sender.sendFrame([built.frame]);
    else this.ws.send(built.payload, { binary: false });
    return true;
  }
}
