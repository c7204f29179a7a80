import WebSocket from "ws";

/**
 * The one kind of client the generator uses for every system: a plain `ws` socket speaking the
 * system's wire protocol by hand (no tRPC client, no socket.io-client), handing each frame as a
 * string to `onFrame`, which only looks for the message's stamp with a regular expression.
 */
export interface Subscriber {
  /** Resolves once the subscription is live (events published from then on arrive). */
  ready: Promise<void>;
  /** Stops reading from the TCP socket: the server's writes pile up in its buffers. */
  pause(): void;
  resume(): void;
  close(): void;
  readonly closeCode: number | null;
}

export interface Publisher {
  ready: Promise<void>;
  /** Sends a message to the publisher's room, or to `roomId`. */
  publish(body: string, roomId?: number): void;
  /** Requests the server answered with an error (Parley only: the peers do not answer). */
  readonly errors: number;
  close(): void;
}

export interface ConnectOptions {
  onFrame?: (frame: string) => void;
  localAddress?: string;
}

/** What a protocol does with a frame before the subscription is live. */
export type Handshake = (frame: string, ws: WebSocket) => "ready" | "continue" | Error;

export function rawSubscriber(
  url: string,
  options: ConnectOptions,
  onOpen: (ws: WebSocket) => void,
  handshake: Handshake,
) {
  const ws = new WebSocket(url, { perMessageDeflate: false, localAddress: options.localAddress });
  let closeCode: number | null = null;
  let live = false;
  const ready = new Promise<void>((resolve, reject) => {
    ws.once("open", () => onOpen(ws));
    ws.on("message", (data) => {
      const frame = data.toString();
      if (live) {
        options.onFrame?.(frame);
        return;
      }
      const state = handshake(frame, ws);
      if (state instanceof Error) reject(state);
      else if (state === "ready") {
        live = true;
        resolve();
      }
    });
    ws.once("error", reject);
    ws.once("close", (code) => {
      closeCode = code;
      reject(new Error(`closed with ${code} before it was ready`));
    });
  });
  ready.catch(() => {});
  const subscriber: Subscriber = {
    ready,
    // ws's own pause and resume: the client stops (and starts again) reading its TCP socket.
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    close: () => ws.terminate(),
    get closeCode() {
      return closeCode;
    },
  };
  return { ws, subscriber, isLive: () => live };
}

/** The scheduled send time and number stamped at the start of a message body. */
const STAMP = /t=(\d+\.\d+);n=(\d+);/;

export function stampOf(frame: string): { scheduled: number; n: number } | null {
  const match = STAMP.exec(frame);
  return match ? { scheduled: Number(match[1]), n: Number(match[2]) } : null;
}

/** A 100-byte body carrying its scheduled send time (performance.now() of the generator) and number. */
export function stampedBody(scheduled: number, n: number, size = 100): string {
  return `t=${scheduled.toFixed(3)};n=${n};`.padEnd(size, "x");
}

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, "ws");
