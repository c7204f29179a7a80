import type { IncomingMessage } from "node:http";
import { type Actor, AppError, type Deps, type Logger } from "@parley/api";
import { roomChannel } from "@parley/api/bus";
import { normalizeKeys, SeedId } from "@parley/api/compat";
import { publicError } from "@parley/api/errors";
import { type MessageOut, MessageText, UsernameRef } from "@parley/api/schemas";
import { direct, live, messages, rooms } from "@parley/api/services";
import type { WebSocket } from "ws";
import { type Drain, restartingError } from "./drain";

/** The public room that seed 003's broadcast-to-everyone WebSocket maps to. */
export const LOBBY = "lobby";

/** How many earlier messages a seed 004 chat shows when it opens. */
const RECENT_DIRECT_MESSAGES = 50;

export interface SeedNames {
  systemUserName: string;
  errorUserName: string;
}

export interface SeedSocketDeps {
  deps: Deps;
  log: Logger;
  names: SeedNames;
  /** The process's calls in flight: each frame counts from its arrival until it was handled. */
  drain?: Drain;
}

/**
 * The seed servers' WebSocket protocols, as adapters onto the same services and live room stream
 * as tRPC (COMPAT.md):
 * - `/ws?token=`: seed 000 frames (`{"type":"join","content":"1"}`, `leave`, `message`) and seed
 *   001 frames (`{"Type":"enter","RoomID":1}`, RoomID 0 leaves, `{"Type":"message","Text":..}`),
 *   told apart by their keys; until it enters a room the socket follows the `lobby` (seed 003:
 *   while it follows the lobby, any text that is not a frame is said there; without a token the
 *   socket only listens);
 * - `/ws?jwt=&room_id=`: seed 002, that room, frames `{"chatRoomId":1,"chatMessage":".."}`;
 * - `/chats/{username}`: seed 004, the direct conversation with that user, raw text both ways
 *   (`{"from","body","sent_at"}` out).
 * Frames are text: binary ones are refused. Errors are answered with a frame from the error user;
 * the connection stays open.
 */
export function seedConnection(
  { deps, log, names, drain: inFlight }: SeedSocketDeps,
  ws: WebSocket,
  req: IncomingMessage,
  actor: Actor | null,
) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const closed = new AbortController();
  ws.once("close", () => closed.abort());
  let following: AbortController | null = null;
  let roomId: number | null = null;
  /** The lobby's id on a plain `/ws` socket: the one room where text that is no frame is said. */
  let lobbyId: number | null = null;

  const send = (frame: unknown) => ws.send(JSON.stringify(frame));
  const deliver = (frame: unknown) => {
    deps.metrics.deliveries.inc();
    send(frame);
  };
  const fail = (error: unknown) => {
    const { message, ours } = publicError(error);
    if (ours) log.error({ err: error, path: url.pathname }, "seed websocket frame failed");
    send({
      type: "error",
      Type: "error",
      username: names.errorUserName,
      content: message,
      Text: message,
      error: message,
    });
  };
  const needActor = (): Actor => {
    if (!actor) throw new AppError("UNAUTHENTICATED", "sign in first: connect with ?token=<jwt>");
    return actor;
  };

  /**
   * Streams a room to the socket in `format` until another room is followed: everything after
   * `afterSeq` (so a joiner sees its own join notice, as in the seeds), then live.
   */
  function follow(id: number, format: (m: MessageOut) => unknown, afterSeq?: number) {
    following?.abort();
    const stop = new AbortController();
    following = stop;
    roomId = id;
    const signal = AbortSignal.any([stop.signal, closed.signal]);
    deps.metrics.subscriptions.inc();
    void (async () => {
      if (actor) {
        const lastEventId = afterSeq === undefined ? null : String(afterSeq);
        for await (const { event } of live.roomEvents(deps, actor, { roomId: id, lastEventId }, signal)) {
          if (event.type === "message") deliver(format(event.message));
        }
      } else {
        // Listening without a token: public rooms only (the lobby), live only.
        const events = await deps.bus.subscribe(roomChannel(id), signal);
        send({ type: "system", Type: "system", username: names.systemUserName, content: "listening to the lobby" });
        for await (const event of events) {
          if (event.type === "room.message") deliver(format(event.message));
        }
      }
    })()
      .catch((error: unknown) => {
        if (!signal.aborted) fail(error);
      })
      .finally(() => deps.metrics.subscriptions.dec());
  }

  const wsFrame = (m: MessageOut) => {
    const username = m.author?.username ?? names.systemUserName;
    const sentAt = Math.floor(Date.parse(m.createdAt) / 1000);
    return {
      type: m.kind === "system" ? "system" : "message",
      Type: m.kind === "system" ? "system" : "message",
      id: m.id,
      room_id: m.roomId,
      RoomID: m.roomId,
      chatRoomId: m.roomId,
      username,
      Username: username,
      userName: username,
      content: m.body,
      Text: m.body,
      chatMessage: m.body,
      sent_at: sentAt,
    };
  };
  const sendText = async (text: unknown) => {
    if (roomId === null) throw new AppError("BAD_INPUT", "join a room first");
    await messages.sendMessage(deps, needActor(), { roomId, text: MessageText.parse(text) });
  };

  async function onWsFrame(raw: string) {
    let frame: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) frame = normalizeKeys(parsed);
    } catch {}
    if (!frame || (frame.type === undefined && frame.chatmessage === undefined)) {
      // Seed 003: any other text is said in the lobby. Everywhere else the socket speaks in frames.
      if (roomId === null) throw new AppError("BAD_INPUT", "join a room first");
      if (roomId !== lobbyId) {
        throw new AppError("BAD_INPUT", 'not a frame: send JSON such as {"type":"message","content":"hello"}');
      }
      return sendText(raw);
    }
    const type = typeof frame.type === "string" ? frame.type.toLowerCase() : undefined;
    if (frame.chatmessage !== undefined) {
      if (frame.roomid !== undefined && SeedId.parse(frame.roomid) !== roomId) {
        throw new AppError("BAD_INPUT", `this socket is for room ${roomId}`);
      }
      return sendText(frame.chatmessage);
    }
    switch (type) {
      case "join":
      case "enter": {
        const id = type === "join" ? frame.content : frame.roomid;
        if (type === "enter" && (id === 0 || id === "0")) return leave(); // seed 001: RoomID 0 leaves
        return joinAndFollow(SeedId.parse(id), wsFrame);
      }
      case "leave":
        return leave();
      case "message":
        return sendText(frame.content ?? frame.text);
      default:
        throw new AppError(
          "BAD_INPUT",
          `unknown frame type "${String(frame.type)}": use join, leave, enter or message`,
        );
    }
  }

  /** Joins (public rooms, or private ones the caller was invited to) and follows from just before. */
  async function joinAndFollow(id: number, format: (m: MessageOut) => unknown) {
    const me = needActor();
    const before = await rooms.getRoom(deps, me, id);
    await rooms.joinRoom(deps, me, id);
    follow(id, format, before.lastSeq);
  }

  async function leave() {
    if (roomId === null) throw new AppError("BAD_INPUT", "you are in no room");
    const left = roomId;
    following?.abort();
    roomId = null;
    await rooms.leaveRoom(deps, needActor(), left);
  }

  // Frames are handled one at a time, in order (a join is done before the next message), and
  // none is lost while the connection is still being set up.
  const queue: { text: string; binary: boolean; done?: () => void }[] = [];
  let handle: ((raw: string) => Promise<unknown>) | null = null;
  let busy = false;
  const refuseBinary = async () => {
    throw new AppError("BAD_INPUT", "binary frames are not read: send text");
  };
  async function drain() {
    if (busy || !handle) return;
    busy = true;
    for (let frame = queue.shift(); frame !== undefined; frame = queue.shift()) {
      await (frame.binary ? refuseBinary() : handle(frame.text)).catch(fail);
      frame.done?.();
    }
    busy = false;
  }
  ws.on("message", (data, binary) => {
    // A shutdown answers the frames already read; one that arrives during it is refused.
    if (inFlight?.draining) return fail(restartingError());
    queue.push({ text: String(data), binary, done: inFlight?.track() });
    void drain();
  });

  void (async () => {
    const chatsWith = /^\/chats\/([^/]+)$/.exec(url.pathname)?.[1];
    if (chatsWith !== undefined) {
      // Seed 004: a direct conversation, raw text in, {from, body, sent_at} out.
      const me = needActor();
      const username = UsernameRef.parse(decodePathPart(chatsWith));
      const conversation = await direct.openDirect(deps, me, { username });
      // Opening the chat shows its recent messages first, then new ones live: nothing sent just
      // before (or while) the socket opened is missed.
      const recent = Math.max(0, conversation.room.lastSeq - RECENT_DIRECT_MESSAGES);
      follow(
        conversation.room.id,
        (m) => ({
          from: m.author?.username ?? names.systemUserName,
          body: m.body,
          sent_at: Math.floor(Date.parse(m.createdAt) / 1000),
        }),
        recent,
      );
      handle = sendText;
    } else if (url.searchParams.has("room_id")) {
      // Seed 002: one room, given in the URL.
      await joinAndFollow(SeedId.parse(url.searchParams.get("room_id")), wsFrame);
      handle = onWsFrame;
    } else {
      const lobby = await rooms.ensurePublicRoom(deps, LOBBY);
      lobbyId = lobby.id;
      if (actor) await joinAndFollow(lobby.id, wsFrame);
      else follow(lobby.id, wsFrame);
      handle = onWsFrame;
    }
    await drain();
  })().catch((error: unknown) => {
    for (const frame of queue.splice(0)) frame.done?.(); // never to be handled
    fail(error);
    ws.close(1008, error instanceof AppError ? error.message.slice(0, 120) : "cannot open this conversation");
  });
}

/** A percent-encoded piece of a path, decoded; malformed encoding is the client's mistake. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AppError("BAD_INPUT", "the path is not valid percent-encoding");
  }
}
