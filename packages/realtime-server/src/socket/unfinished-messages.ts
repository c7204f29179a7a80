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

/**
 * What ws 8's Receiver (lib/receiver.js) keeps of a message being received: `_fragmented` is the
 * opcode of a fragmented message whose last fragment has not come (0: none), `_bufferedBytes` the
 * bytes of a frame read in part. The test "ws's receiver" pins these names: a ws upgrade that
 * renames them fails it.
 */
interface ReceiverState {
  _fragmented?: number;
  _bufferedBytes?: number;
}

/** True while `ws` holds part of a message: fragments without the last, or part of a frame. */
export function holdsUnfinishedMessage(ws: WebSocket): boolean {
  const receiver = (ws as unknown as { _receiver?: ReceiverState })._receiver;
  return !!receiver && ((receiver._fragmented ?? 0) !== 0 || (receiver._bufferedBytes ?? 0) > 0);
}

/**
 * Closes (1008) the sockets that keep a message unfinished for longer than `MESSAGE_WITHIN_MS`:
 * a socket that opens a fragmented message (or a frame) and never ends it holds its bytes and
 * fragments for as long as it stays open. Bytes and fragments are capped by ws itself
 * (`maxPayload`, and `MAX_FRAGMENTS_PER_MESSAGE` and `MAX_BUFFERED_CHUNKS` given to the server).
 * A socket the frame pace paused is not timed meanwhile (the server stopped reading it); a message
 * completed starts the clock afresh. Returns what stops the watch.
 */
export function watchUnfinishedMessages(
  sockets: () => Iterable<WebSocket>,
  /** Called once for each socket closed for it (for the `parley_limited_total` metric, say). */
  onClosed: (ws: WebSocket) => void,
): () => void {
  /** When each socket was first seen holding an unfinished message. */
  const since = new WeakMap<WebSocket, number>();
  const watched = new WeakSet<WebSocket>();
  const check = setInterval(() => {
    const now = Date.now();
    for (const ws of sockets()) {
      if (!watched.has(ws)) {
        watched.add(ws);
        ws.on("message", () => since.delete(ws));
      }
      if (ws.readyState !== ws.OPEN || ws.isPaused || !holdsUnfinishedMessage(ws)) {
        since.delete(ws);
        continue;
      }
      const start = since.get(ws);
      if (start === undefined) since.set(ws, now);
      else if (now - start >= MESSAGE_WITHIN_MS) {
        since.delete(ws);
        onClosed(ws);
        ws.close(1008, `a message must be complete within ${MESSAGE_WITHIN_MS / 1000} s of its first byte`);
        setTimeout(() => ws.terminate(), 1000).unref();
      }
    }
  }, CHECK_EVERY_MS);
  check.unref();
  return () => clearInterval(check);
}
