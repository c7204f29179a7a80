import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * The most frames (a first one and its continuations) one message may arrive in. ws's own default
 * is 16,384: that many tiny fragments, each a Buffer of its own, held about 1.6 MiB per socket
 * without coming near the 64 KiB message cap. Clients fragment rarely, and into few pieces.
 */
export const MAX_FRAGMENTS_PER_MESSAGE = 64;

/**
 * The most chunks (as TCP delivered them) a socket's receiver may hold of frames not yet complete.
 * A 64 KiB frame arrives in a few dozen chunks; ws's default (262,144) let a client trickle one
 * byte at a time and hold a Buffer per byte.
 */
export const MAX_BUFFERED_CHUNKS = 1024;

/** How long a message may take from its first byte to its last, in milliseconds. */
export const MESSAGE_WITHIN_MS = 5000;

/** How often open sockets are looked at for an unfinished message, in milliseconds. */
const CHECK_EVERY_MS = 1000;

/** The longest frame header a client sends: 2 bytes, an 8-byte length, a 4-byte mask (RFC 6455 §5.2). */
const MAX_HEADER_BYTES = 14;

/**
 * Where the bytes a client has sent stand in RFC 6455's framing (§5.2 base framing, §5.4
 * fragmentation), read from the socket's stream beside `ws` (which parses them for itself): whether
 * they end inside a frame, or inside a message whose final fragment has not come. Only frame
 * headers are read; payloads are skipped by their length. Per socket: a few numbers, and the few
 * bytes of a header split across two reads.
 */
export class IncomingFrames {
  /** Payload bytes of the current frame still to come (0: the next byte starts a frame). */
  private payloadLeft = 0;
  /** The start of a frame header a read ended inside (at most 13 bytes), else null. */
  private headerPart: Buffer | null = null;
  /** True from a data frame without FIN until the continuation with FIN (control frames aside). */
  private fragmented = false;
  /** When the message under way began (`Date.now()`, ms), or 0 when the bytes end at a message's end. */
  since = 0;

  /** True while the socket holds part of a message: part of a frame, or fragments without the last. */
  get unfinished(): boolean {
    return this.payloadLeft > 0 || this.headerPart !== null || this.fragmented;
  }

  /** Follows one chunk of the socket's bytes, as they arrive. */
  read(chunk: Buffer): void {
    let at = 0;
    let ended = false; // a message ended within this chunk
    while (at < chunk.length) {
      if (this.payloadLeft > 0) {
        const skipped = Math.min(this.payloadLeft, chunk.length - at);
        this.payloadLeft -= skipped;
        at += skipped;
        if (this.payloadLeft === 0 && !this.fragmented) ended = true;
        continue;
      }
      const part = this.headerPart;
      const bytes = part ? Buffer.concat([part, chunk.subarray(at, at + MAX_HEADER_BYTES)]) : chunk;
      const start = part ? 0 : at;
      const header = frameHeader(bytes, start);
      if (!header) {
        this.headerPart = Buffer.from(bytes.subarray(start)); // a copy: the chunk's memory is not held
        at = chunk.length;
        break;
      }
      this.headerPart = null;
      at += header.length - (part?.length ?? 0);
      if (!header.control) this.fragmented = !header.fin;
      this.payloadLeft = header.payload;
      if (header.payload === 0 && !this.fragmented) ended = true;
    }
    if (!this.unfinished) this.since = 0;
    else if (this.since === 0 || ended) this.since = Date.now();
  }
}

/** A frame header's fields (RFC 6455 §5.2), or null while its bytes have not all come. */
function frameHeader(bytes: Buffer, start: number) {
  if (bytes.length - start < 2) return null;
  const first = bytes[start] ?? 0;
  const second = bytes[start + 1] ?? 0;
  const lengthField = second & 0x7f;
  const extended = lengthField === 126 ? 2 : lengthField === 127 ? 8 : 0;
  const length = 2 + extended + (second & 0x80 ? 4 : 0);
  if (bytes.length - start < length) return null;
  const payload =
    lengthField === 126
      ? bytes.readUInt16BE(start + 2)
      : lengthField === 127
        ? Number(bytes.readBigUInt64BE(start + 2))
        : lengthField;
  return { length, payload, fin: (first & 0x80) !== 0, control: (first & 0x08) !== 0 };
}

/** A socket the watch looks at: the WebSocket, and where its incoming bytes stand. */
export interface WatchedSocket {
  ws: WebSocket;
  incoming: IncomingFrames;
}

export interface UnfinishedMessageWatch {
  /** Follows the bytes `stream` (what `ws` was upgraded over) brings, into `incoming`. */
  follow(stream: Duplex, incoming: IncomingFrames): void;
  /** Stops the periodic check. */
  stop(): void;
}

/**
 * Closes (1008) the sockets that keep a message unfinished for longer than `MESSAGE_WITHIN_MS`:
 * a socket that opens a fragmented message (or a frame) and never ends it holds its bytes and
 * fragments for as long as it stays open. Bytes and fragments are capped by ws itself
 * (`maxPayload`, and `MAX_FRAGMENTS_PER_MESSAGE` and `MAX_BUFFERED_CHUNKS` given to the server).
 * A socket the frame pace paused is not timed meanwhile (the server stopped reading it); a message
 * completed starts the clock afresh. Reads the framing itself (`IncomingFrames`), with Node's
 * public stream API: nothing of ws's internals.
 */
export function watchUnfinishedMessages(
  sockets: () => Iterable<WatchedSocket>,
  /** Called once for each socket closed for it (for the `parley_limited_total` metric, say). */
  onClosed: (ws: WebSocket) => void,
): UnfinishedMessageWatch {
  const followed = new WeakMap<Duplex, IncomingFrames>();
  /** One listener for every stream. */
  function onData(this: Duplex, chunk: Buffer) {
    followed.get(this)?.read(chunk);
  }
  const check = setInterval(() => {
    const now = Date.now();
    for (const { ws, incoming } of sockets()) {
      if (incoming.since === 0 || ws.readyState !== ws.OPEN) continue;
      // A paused socket is not read meanwhile: its clock starts again when it is.
      if (ws.isPaused) incoming.since = now;
      else if (now - incoming.since >= MESSAGE_WITHIN_MS) {
        incoming.since = 0;
        onClosed(ws);
        ws.close(1008, `a message must be complete within ${MESSAGE_WITHIN_MS / 1000} s of its first byte`);
        setTimeout(() => ws.terminate(), 1000).unref();
      }
    }
  }, CHECK_EVERY_MS);
  check.unref();
  return {
    follow(stream, incoming) {
      followed.set(stream, incoming);
      stream.on("data", onData);
    },
    stop: () => clearInterval(check),
  };
}
