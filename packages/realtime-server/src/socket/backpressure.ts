import type { Deps, Logger } from "@parley/api";
import { WebSocket } from "ws";
import { CloseCode } from "./close-codes";

export interface Backpressure {
  /**
   * The gate every frame to a client passes: a client with this much unsent is cut off instead of
   * being buffered for. False when the socket is closed or has just been cut off.
   */
  admit(ws: WebSocket): boolean;
  /**
   * The socket class for the server (ws's `WebSocket` option): its `send` passes `admit` first.
   * A subclass rather than a wrapper set on each socket, which cost two closures per connection.
   */
  WebSocket: typeof WebSocket;
}

/** Backpressure for sockets that may hold at most `maxBufferedBytes` unsent (WS_MAX_BUFFERED_BYTES). */
export function backpressure(maxBufferedBytes: number, log: Logger, metrics: Deps["metrics"]): Backpressure {
  function admit(ws: WebSocket): boolean {
    if (ws.readyState !== ws.OPEN) return false;
    if (ws.bufferedAmount <= maxBufferedBytes) return true;
    log.warn({ buffered: ws.bufferedAmount }, "cutting off a client that stopped reading");
    metrics.slowClientsDropped.inc();
    ws.close(CloseCode.tooSlow, "too slow: the client stopped reading");
    setTimeout(() => ws.terminate(), 1000).unref();
    return false;
  }

  class GuardedWebSocket extends WebSocket {
    override send(data: unknown, options?: unknown, cb?: unknown): void {
      if (admit(this)) super.send(data as string, options as never, cb as never);
    }
  }

  return { admit, WebSocket: GuardedWebSocket };
}
