import { createPace, type Deps, type Rate } from "@parley/api";
import type { WebSocket } from "ws";

/** Charges a socket's allowance for this many more calls (beyond the one its frame counts). */
export type Charge = (calls: number) => void;

/**
 * Paces what sockets send (WS_FRAMES_PER_CONNECTION): a socket that sent its allowance of frames
 * (each call of a batched tRPC frame counted, see `CallGate`) is not read again until its window
 * ends (TCP pushes back on the client), so a flood costs the server nothing, refused requests
 * included. Returns what to call on each new socket, which answers the socket's `Charge`: the
 * socket's one "message" listener (see `createRealtime`) charges it 1 for every frame it reads.
 * With no rate (`off`), functions that do nothing.
 */
export function framePacer(rate: Rate | null, metrics: Deps["metrics"]): (ws: WebSocket) => Charge {
  if (!rate) return () => () => {};
  const framePace = createPace(rate);
  let socketsSeen = 0;
  return function paceFrames(ws: WebSocket): Charge {
    const key = String(++socketsSeen);
    const charge = (calls: number) => {
      if (ws.isPaused) return; // frames read before the pause took hold
      void framePace.wait(key, calls).then((waitMs) => {
        if (waitMs === 0 || ws.isPaused || ws.readyState !== ws.OPEN) return;
        ws.pause();
        metrics.limited.inc({ limit: "framesPerConnection" });
        setTimeout(() => ws.resume(), waitMs).unref();
      });
    };
    return charge;
  };
}
