import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/**
 * The fan-out's way onto the wire: pre-encoded WebSocket frames written to the stream each socket
 * was upgraded over (the one the HTTP server's `upgrade` event handed to `ws`), with Node's public
 * stream API only. Every frame written to one stream during one turn of the event loop leaves in
 * one write: the stream is corked at the first and uncorked once, after the turn's I/O callbacks
 * (`setImmediate`), so the messages one read from the bus brings reach each subscriber in one
 * system call (`writev`) instead of one each. Under load a read brings more of them, and the cost
 * per delivery falls.
 *
 * Safe beside `ws`'s own sends: this server negotiates no extension, so `ws` writes each of its
 * frames whole and synchronously too, and frames interleave only whole. Writes are counted in the
 * stream's `writableLength`, so `ws.bufferedAmount` (the backpressure gate) sees them.
 */
export class FrameWriter {
  private readonly streams = new WeakMap<WebSocket, Duplex>();
  private readonly corked = new Set<Duplex>();
  private flushing = false;

  /** Remembers the stream `ws` speaks over: what `handleUpgrade` was given for it. */
  adopt(ws: WebSocket, stream: Duplex): void {
    this.streams.set(ws, stream);
  }

  /** The stream `ws`'s pre-encoded frames are written to (see `write`); undefined for a socket `adopt` was not told of. */
  streamOf(ws: WebSocket): Duplex | undefined {
    return this.streams.get(ws);
  }

  /** Writes whole frames to `stream` (nothing once it stopped being writable); they leave with the turn's others. */
  write(stream: Duplex, chunks: readonly Buffer[]): void {
    if (!stream.writable) return;
    if (!this.corked.has(stream)) {
      stream.cork();
      this.corked.add(stream);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(this.flush);
      }
    }
    for (const chunk of chunks) stream.write(chunk);
  }

  private readonly flush = () => {
    this.flushing = false;
    const corked = [...this.corked];
    this.corked.clear();
    for (const stream of corked) stream.uncork();
  };
}

/** The header of an unmasked, final text frame (RFC 6455 §5.2) carrying `length` bytes; no extensions. */
export function textFrameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(textFrameHeaderBytes(length));
  writeTextFrameHeader(header, length);
  return header;
}

/** The size of `textFrameHeader(length)` in bytes: 2, 4 or 10. */
export const textFrameHeaderBytes = (length: number) => (length < 126 ? 2 : length < 65_536 ? 4 : 10);

/** Writes `textFrameHeader(length)` at the start of `target` (which has room for it). */
export function writeTextFrameHeader(target: Buffer, length: number): void {
  target[0] = 0x81;
  if (length < 126) target[1] = length;
  else if (length < 65_536) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
  } else {
    target[1] = 127;
    target.writeBigUInt64BE(BigInt(length), 2);
  }
}
