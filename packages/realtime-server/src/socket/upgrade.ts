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

/** The WebSocket endpoints: tRPC at /trpc, and the seed protocols at /ws and /chats/{username}. */
export const isRealtimePath = (pathname: string) =>
  pathname === "/trpc" || pathname === "/ws" || /^\/chats\/[^/]+$/.test(pathname);

/** What an upgrade request asks for, read from its URL (once) and its headers. */
export interface UpgradeRequest {
  /** The path: the URL up to its query (`?`). */
  path: string;
  /** The token it carries: `?token=`, `?jwt=` or `Authorization: Bearer`; null for none. */
  token: string | null;
  /** Whether a tRPC client sends `connectionParams` as its first frame (`?connectionParams=1`, as tRPC's client says). */
  withConnectionParams: boolean;
}

/**
 * Reads an upgrade request's path, token and `connectionParams` flag. The query is parsed once
 * (`URLSearchParams`, as `URL#searchParams` parses it), not once per question: every connection
 * that opens comes through here.
 */
export function readUpgrade(req: IncomingMessage): UpgradeRequest {
  const url = req.url ?? "/";
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  if (query < 0) return { path, token: tokenFromAuthorization(req.headers.authorization), withConnectionParams: false };
  const fragment = url.indexOf("#", query);
  const params = new URLSearchParams(url.slice(query + 1, fragment < 0 ? undefined : fragment));
  return {
    path,
    token: params.get("token") || params.get("jwt") || tokenFromAuthorization(req.headers.authorization),
    withConnectionParams: params.get("connectionParams") === "1",
  };
}
