import { AppError } from "@parley/api";
import { normalizeKeys, SeedId, seedTextOf } from "@parley/api/compat";
import type { MessageOut } from "@parley/api/schemas";
import { rooms } from "@parley/api/services";
import type { FrameHandler, SeedConnection } from "./connection";

/** A message as the `/ws` dialects send it: the keys of seeds 000, 001 and 002 at once. */
export function wsFrame(c: SeedConnection) {
  return (m: MessageOut) => {
    const username = m.author?.username ?? c.names.systemUserName;
    const text = seedTextOf(m);
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
      content: text,
      Text: text,
      chatMessage: text,
      sent_at: sentAt,
    };
  };
}

/**
 * The frames of `/ws` (seed 000 `{"type":"join","content":"1"}`, `leave`, `message`; seed 001
 * `{"Type":"enter","RoomID":1}`, RoomID 0 leaves, `{"Type":"message","Text":..}`; seed 002
 * `{"chatRoomId":1,"chatMessage":".."}`), told apart by their keys. `lobbyId`: the one room where
 * text that is no frame is said (seed 003), if any.
 */
export function wsFrames(c: SeedConnection, lobbyId: number | null): FrameHandler {
  const format = wsFrame(c);
  return async function onWsFrame(raw: string) {
    let frame: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) frame = normalizeKeys(parsed);
    } catch {}
    if (!frame || (frame.type === undefined && frame.chatmessage === undefined)) {
      // Seed 003: any other text is said in the lobby. Everywhere else the socket speaks in frames.
      if (c.roomId === null) throw new AppError("BAD_INPUT", "join a room first");
      if (c.roomId !== lobbyId) {
        throw new AppError("BAD_INPUT", 'not a frame: send JSON such as {"type":"message","content":"hello"}');
      }
      return c.sendText(raw);
    }
    const type = typeof frame.type === "string" ? frame.type.toLowerCase() : undefined;
    if (frame.chatmessage !== undefined) {
      if (frame.roomid !== undefined && SeedId.parse(frame.roomid) !== c.roomId) {
        throw new AppError("BAD_INPUT", `this socket is for room ${c.roomId}`);
      }
      return c.sendText(frame.chatmessage);
    }
    switch (type) {
      case "join":
      case "enter": {
        const id = type === "join" ? frame.content : frame.roomid;
        if (type === "enter" && (id === 0 || id === "0")) return c.leave(); // seed 001: RoomID 0 leaves
        return c.joinAndFollow(SeedId.parse(id), format);
      }
      case "leave":
        return c.leave();
      case "message":
        return c.sendText(frame.content ?? frame.text);
      default:
        throw new AppError(
          "BAD_INPUT",
          `unknown frame type "${String(frame.type)}": use join, leave, enter or message`,
        );
    }
  };
}

/**
 * `/ws?token=` (seeds 000, 001 and 003): the socket follows the lobby until it enters a room; while
 * it follows the lobby, any text that is not a frame is said there. Without a token it only listens.
 */
export async function openLobbySocket(c: SeedConnection): Promise<FrameHandler> {
  const lobby = await rooms.ensureBuiltinRoom(c.deps, "lobby");
  if (c.actor) await c.joinAndFollow(lobby.id, wsFrame(c));
  else c.follow(lobby.id, wsFrame(c));
  return wsFrames(c, lobby.id);
}

/** `/ws?jwt=&room_id=` (seed 002): that room, joined at once, and the same frames. */
export async function openRoomSocket(c: SeedConnection): Promise<FrameHandler> {
  await c.joinAndFollow(SeedId.parse(c.url.searchParams.get("room_id")), wsFrame(c));
  return wsFrames(c, null);
}
