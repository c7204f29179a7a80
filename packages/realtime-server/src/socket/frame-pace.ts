import { createPace, type Deps, type Rate } from "@parley/api";
import type { WebSocket } from "ws";

/**
 * Paces what sockets send (WS_FRAMES_PER_CONNECTION): a socket that sent its allowance of frames
 * is not read again until its window ends (TCP pushes back on the client), so a flood costs the
 * server nothing, refused requests included. Returns what to call on each new socket; with no
 * rate (`off`), a function that does nothing.
 */
export function framePacer(rate: Rate | null, metrics: Deps["metrics"]): (ws: WebSocket) => void {
  if (!rate) return () => {};
  const framePace = createPace(rate);
  let socketsSeen = 0;
  return function paceFrames(ws: WebSocket) {
    const key = String(++socketsSeen);
    ws.on("message", () => {
      if (ws.isPaused) return; // frames read before the pause took hold
      void framePace.wait(key).then((waitMs) => {
        if (waitMs === 0 || ws.isPaused || ws.readyState !== ws.OPEN) return;
        ws.pause();
        metrics.limited.inc({ limit: "framesPerConnection" });
        setTimeout(() => ws.resume(), waitMs).unref();
      });
    });
  };
}
