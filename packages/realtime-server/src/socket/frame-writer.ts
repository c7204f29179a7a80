import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";

/** Writes a socket's pre-encoded WebSocket frames (header included), in order, after what was written before. */
export type FrameSink = (chunks: readonly Buffer[]) => void;

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

  /** Where `ws`'s pre-encoded frames go; undefined for a socket `adopt` was not told of. */
  sinkFor(ws: WebSocket): FrameSink | undefined {
    const stream = this.streams.get(ws);
    return stream && ((chunks) => this.write(stream, chunks));
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
  const header = Buffer.allocUnsafe(length < 126 ? 2 : length < 65_536 ? 4 : 10);
  header[0] = 0x81;
  if (length < 126) header[1] = length;
  else if (length < 65_536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return header;
}
