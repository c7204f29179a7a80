import type { IncomingMessage } from "node:http";
import {
  AppError,
  appRouter,
  authenticate,
  createContext,
  type Deps,
  type Logger,
  subscriptionSlots,
} from "@parley/api";
import { TRPCError } from "@trpc/server";
import type { WebSocket, WebSocketServer } from "ws";
import type { RealtimeEnv } from "../env";
import { SocketWire, wireEncoder } from "../wire-encoder";
import type { Backpressure } from "./backpressure";
import type { Connections } from "./connections";
import type { SessionWatch } from "./session-watch";
import { isProtocolError, tokenFromUpgrade } from "./upgrade";

export interface TrpcSocketParts {
  deps: Deps;
  log: Logger;
  wss: WebSocketServer;
  settings: Pick<RealtimeEnv, "WS_MAX_SUBSCRIPTIONS">;
  connections: Connections;
  sessions: SessionWatch;
  backpressure: Backpressure;
}

/**
 * tRPC over WebSocket (`/trpc`): tRPC's own adapter, with Parley's wire encoder, a keep-alive, and
 * a context per socket. The token comes from `connectionParams` or else the upgrade request; a bad
 * one fails the connection, and a signed-in socket counts toward its account's cap and is watched
 * for the end of its session. Returns what to call with each adopted socket.
 */
export async function trpcSockets({
  deps,
  log,
  wss,
  settings,
  connections,
  sessions,
  backpressure,
}: TrpcSocketParts): Promise<(ws: WebSocket, req: IncomingMessage) => void> {
  // Imported at run time, so that this ESM module and tRPC share one copy of @trpc/server.
  const { getWSConnectionHandler } = await import("@trpc/server/adapters/ws");
  return getWSConnectionHandler({
    wss,
    router: appRouter,
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 10_000 },
    experimental_encoder: wireEncoder,
    async createContext({ req, res: ws, info }) {
      const fromParams = info.connectionParams?.token;
      const token = (typeof fromParams === "string" && fromParams) || tokenFromUpgrade(req);
      const connection = connections.of(ws);
      if (token && connection) {
        // A bad token fails the connection itself: a client must not believe it is signed in.
        connection.actor = await authenticate(deps, token).catch((error: unknown) => {
          if (error instanceof AppError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message });
          throw error;
        });
        if (!connections.countUser(connection, connection.actor)) {
          throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: connections.tooManyForUser });
        }
        sessions.watch(connection, connection.actor);
      }
      const slots = subscriptionSlots(settings.WS_MAX_SUBSCRIPTIONS, deps.metrics.subscriptions);
      const openWire = () => new SocketWire(ws, () => backpressure.admit(ws), deps.metrics.deliveries);
      return createContext(deps, token, {
        clientAddress: connections.of(ws)?.address ?? null,
        connection: { ...slots, openWire },
      });
    },
    onError({ error, path }) {
      // A frame too big or not UTF-8 reaches here as an internal error too: it is the client's
      // mistake, already logged (at info, without a stack) by the socket's own error listener.
      if (error.code === "INTERNAL_SERVER_ERROR" && !isProtocolError(error.cause)) {
        log.error({ err: error, path }, "websocket procedure failed");
      }
    },
  });
}
