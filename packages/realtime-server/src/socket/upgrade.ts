import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { tokenFromAuthorization } from "@parley/api";

/** Answers an upgrade request with a plain HTTP error instead of a WebSocket. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string) {
  const statusText = STATUS_CODES[status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\nX-Content-Type-Options: nosniff\r\n\r\n${reason}\n`,
  );
}

/**
 * An error `ws` raises for a frame that breaks the WebSocket protocol (too big: 1009, not UTF-8:
 * 1007, bad opcode or mask: 1002), after which it closes the socket: the client's doing.
 */
export function isProtocolError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("WS_ERR_");
}

export const pathOf = (req: IncomingMessage) => (req.url ?? "/").split("?")[0] ?? "/";

/** The WebSocket endpoints: tRPC at /trpc, and the seed protocols at /ws and /chats/{username}. */
export const isRealtimePath = (pathname: string) =>
  pathname === "/trpc" || pathname === "/ws" || /^\/chats\/[^/]+$/.test(pathname);

/** The token an upgrade request carries: `?token=`, `?jwt=` or `Authorization: Bearer`. */
export function tokenFromUpgrade(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? "/", "http://localhost");
  return (
    url.searchParams.get("token") || url.searchParams.get("jwt") || tokenFromAuthorization(req.headers.authorization)
  );
}

/** Whether a tRPC client sends `connectionParams` as its first frame (`?connectionParams=1`, as tRPC's client says). */
export function sendsConnectionParams(req: IncomingMessage): boolean {
  return new URL(req.url ?? "/", "http://localhost").searchParams.get("connectionParams") === "1";
}
