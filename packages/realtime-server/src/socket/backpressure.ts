import type { Deps, Logger } from "@parley/api";
import type { WebSocket } from "ws";
import { CloseCode } from "./close-codes";

export interface Backpressure {
  /**
   * The gate every frame to a client passes: a client with this much unsent is cut off instead of
   * being buffered for. False when the socket is closed or has just been cut off.
   */
  admit(ws: WebSocket): boolean;
  /** Puts every `send` to the socket through `admit`. */
  guard(ws: WebSocket): void;
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

  function guard(ws: WebSocket) {
    const send = ws.send.bind(ws) as (data: unknown, ...rest: unknown[]) => void;
    (ws as { send: unknown }).send = (data: unknown, ...rest: unknown[]) => {
      if (admit(ws)) send(data, ...rest);
    };
  }

  return { admit, guard };
}
