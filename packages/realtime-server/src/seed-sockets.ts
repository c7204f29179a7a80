import type { IncomingMessage } from "node:http";
import type { Actor } from "@parley/api";
import type { WebSocket } from "ws";
import { type FrameHandler, SeedConnection, type SeedSocketDeps } from "./seed/connection";
import { chatsWith, openDirectChat } from "./seed/direct-chat";
import { openLobbySocket, openRoomSocket } from "./seed/ws-frames";

export type { SeedNames, SeedSocketDeps } from "./seed/connection";

/**
 * The seed servers' WebSocket protocols, as adapters onto the same services and live room stream
 * as tRPC (docs/compatibility.md), one per dialect over a shared `SeedConnection` (seed/):
 * - `/ws?token=`: seed 000 and 001 frames, and the lobby of seed 003 (seed/ws-frames.ts);
 * - `/ws?jwt=&room_id=`: seed 002, that room (seed/ws-frames.ts);
 * - `/chats/{username}`: seed 004, the direct conversation with that user (seed/direct-chat.ts).
 * Frames are text: binary ones are refused. Errors are answered with a frame from the error user;
 * the connection stays open.
 */
export function seedConnection(parts: SeedSocketDeps, ws: WebSocket, req: IncomingMessage, actor: Actor | null) {
  const connection = new SeedConnection(parts, ws, new URL(req.url ?? "/", "http://localhost"), actor);
  void open(connection)
    .then((handle) => connection.start(handle))
    .catch((error: unknown) => connection.failToOpen(error));
}

/** Opens the dialect the socket's URL names. */
function open(c: SeedConnection): Promise<FrameHandler> {
  const withUser = chatsWith(c.url.pathname);
  if (withUser !== undefined) return openDirectChat(c, withUser);
  if (c.url.searchParams.has("room_id")) return openRoomSocket(c);
  return openLobbySocket(c);
}
