/**
 * Parley's WebSocket server and HTTP API handler, as both processes mount them: the realtime
 * process (`apps/realtime/src/main.ts`) and the web process (`apps/web/server.ts`).
 */
export { loadRealtimeProcessConfig, RealtimeEnv, type RealtimeProcessConfig, RealtimeProcessEnv } from "./env";
export { type ApiHandler, type ApiHandlerOptions, createApiHandler, sendJson } from "./http";
export { isOriginAllowed } from "./origin";
export { createRealtime, type Realtime } from "./realtime";
export { CloseCode } from "./socket/close-codes";
export { isRealtimePath, refuseUpgrade } from "./socket/upgrade";
