/**
 * Parley's WebSocket server and HTTP API handler, as both processes mount them: the realtime
 * process (`apps/realtime/src/main.ts`) and the web process (`apps/web/server.ts`).
 */
export { RealtimeEnv, RealtimeProcessEnv } from "./env";
export { type ApiHandler, type ApiHandlerOptions, createApiHandler, sendJson } from "./http";
export { isOriginAllowed } from "./origin";
export {
  CloseCode,
  createRealtime,
  isRealtimePath,
  type Realtime,
  refuseUpgrade,
} from "./realtime";
