import { createServer } from "node:http";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { Server } from "socket.io";
import { verifyToken } from "./jwt";
import { exitOnSignal, peerArgs, roomAndToken } from "./peer-args";

/**
 * Socket.IO 4.8 with @socket.io/redis-adapter: `--adapter classic` (ioredis, PUBLISH on one
 * channel per namespace) or `--adapter sharded` (node-redis, Redis 7 SPUBLISH, a channel per
 * room). WebSocket transport only, no compression; nothing is stored.
 */
const { port, redisUrl, prefix, secret, adapter } = peerArgs();

const http = createServer((_req, res) => res.end("ok"));
const io = new Server(http, { transports: ["websocket"], serveClient: false, perMessageDeflate: false });
if (adapter === "sharded") {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createShardedAdapter(pub, sub, { channelPrefix: prefix }));
} else {
  const pub = new Redis(redisUrl);
  io.adapter(createAdapter(pub, pub.duplicate(), { key: prefix }));
}

io.use((socket, next) => {
  const { token } = roomAndToken(socket.request.url);
  next(verifyToken(secret, token) === null ? new Error("unauthorized") : undefined);
});
io.on("connection", async (socket) => {
  const { room } = roomAndToken(socket.request.url);
  socket.on("msg", (message: { room: number; body: string }) => {
    io.to(`room:${message.room}`).emit("msg", message);
  });
  if (room !== null) await socket.join(`room:${room}`);
  socket.emit("ready");
});
http.listen(port, "127.0.0.1");
exitOnSignal();
