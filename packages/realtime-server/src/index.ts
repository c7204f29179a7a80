/**
 * Parley's WebSocket server and HTTP API handler, as both processes mount them: the realtime
 * process (`apps/realtime/src/main.ts`) and the web process (`apps/web/server.ts`).
 */
export { loadRealtimeProcessConfig, RealtimeEnv, type RealtimeProcessConfig, RealtimeProcessEnv } from "./env";
export { type ApiHandler, type ApiHandlerOptions, createApiHandler, HTTP_SERVER_TIMEOUTS, sendJson } from "./http";
export { isOriginAllowed } from "./origin";
export { createRealtime, type Realtime } from "./realtime";
export { MAX_CALLS_PER_FRAME } from "./socket/call-gate";
export { CloseCode } from "./socket/close-codes";
export {
  IncomingFrames,
  MAX_FRAGMENTS_PER_MESSAGE,
  MESSAGE_WITHIN_MS,
} from "./socket/unfinished-messages";
export { isRealtimePath, refuseUpgrade } from "./socket/upgrade";
