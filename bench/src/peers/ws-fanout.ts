import { createServer } from "node:http";
import { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import { verifyToken } from "./jwt";
import { exitOnSignal, peerArgs, roomAndToken } from "./peer-args";

/**
 * The ceiling: raw `ws` + ioredis, the least a multi-instance fan-out can do. Rooms are sets of
 * sockets, one Redis channel per room (subscribed while the instance has a member), each message
 * serialized once and the same string written to every member; a member with more than 1 MB
 * unsent is dropped. Nothing is stored.
 */
const MAX_BUFFERED = 1024 * 1024;
const { port, redisUrl, prefix, secret } = peerArgs();
const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const rooms = new Map<number, Set<WebSocket>>();

subscriber.on("message", (channel: string, frame: string) => {
  const members = rooms.get(Number(channel.slice(prefix.length)));
  if (!members) return;
  for (const ws of members) {
    if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate();
    else ws.send(frame);
  }
});

const http = createServer((_req, res) => res.end("ok"));
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on("connection", async (ws, req) => {
  const { room, token } = roomAndToken(req.url);
  if (verifyToken(secret, token) === null) return ws.close(4401, "unauthorized");
  ws.on("message", (data) => {
    // A publish: {"room":n,"body":"…"}, forwarded as it came (it is already the frame members get).
    const frame = data.toString();
    const target = (JSON.parse(frame) as { room?: number }).room;
    if (typeof target === "number") void publisher.publish(prefix + target, frame);
  });
  if (room === null) return ws.send('{"ready":true}');
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
    await subscriber.subscribe(prefix + room);
  }
  members.add(ws);
  ws.once("close", () => {
    members.delete(ws);
    if (members.size === 0 && rooms.get(room) === members) {
      rooms.delete(room);
      void subscriber.unsubscribe(prefix + room);
    }
  });
  ws.send('{"ready":true}');
});
http.listen(port, "127.0.0.1");
exitOnSignal();
