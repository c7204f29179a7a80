import { randomBytes } from "node:crypto";
import { freePort } from "@parley/realtime/testing";
import { socketIoPublisher, socketIoSubscriber, wsPublisher, wsSubscriber } from "../clients/peer-clients";
import { signToken } from "../peers/jwt";
import { type PinnedProcess, startPinned } from "./pinned-process";
import type { System, SystemName } from "./system";

const REDIS_URL = "redis://127.0.0.1:6379";
const USERS = 100;

const descriptions: Record<Exclude<SystemName, "parley">, string> = {
  socketio: "Socket.IO 4.8.4 + @socket.io/redis-adapter 8.3.0 classic (ioredis), 2 instances, no persistence",
  "socketio-sharded":
    "Socket.IO 4.8.4 + @socket.io/redis-adapter 8.3.0 sharded (node-redis 5.9, SPUBLISH), 2 instances, no persistence",
  ws: "raw ws 8.23 + ioredis, a Redis channel per room, serialized once, 1 MB cut-off; 2 instances, no persistence",
};

/** Starts a peer (two instances) under a Redis prefix of its own. */
export async function startPeer(
  name: Exclude<SystemName, "parley">,
  options: { cpuProfDir?: string } = {},
): Promise<System> {
  const secret = randomBytes(32).toString("hex");
  const prefix = `bench-${name}-${randomBytes(4).toString("hex")}:`;
  const entry = name === "ws" ? "bench/src/peers/ws-fanout.ts" : "bench/src/peers/socketio.ts";
  const adapter = name === "socketio-sharded" ? "sharded" : "classic";
  const instances: PinnedProcess[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    instances.push(
      await startPinned({
        name: `${name}-${i}`,
        entry,
        args: [
          "--port",
          String(port),
          "--redis",
          REDIS_URL,
          "--prefix",
          prefix,
          "--secret",
          secret,
          "--adapter",
          adapter,
        ],
        port,
        cpuProfDir: options.cpuProfDir,
      }),
    );
  }
  const tokens = Array.from({ length: USERS }, (_, i) => signToken(secret, i + 1));
  let rooms = 0;
  const urlOf = (instance: number) => instances[instance % instances.length]?.url ?? "";
  return {
    name,
    description: descriptions[name],
    instances,
    createRoom: async () => ++rooms,
    createRooms: async (count) => Array.from({ length: count }, () => ++rooms),
    dropRooms: async () => {},
    subscribe(instance, roomId, member, subscribeOptions) {
      const token = tokens[member % USERS] ?? "";
      return name === "ws"
        ? wsSubscriber(urlOf(instance), token, roomId, subscribeOptions)
        : socketIoSubscriber(urlOf(instance), token, roomId, subscribeOptions);
    },
    publisher(instance, roomId) {
      const token = tokens[0] ?? "";
      return name === "ws"
        ? wsPublisher(urlOf(instance), token, roomId)
        : socketIoPublisher(urlOf(instance), token, roomId);
    },
    async stop() {
      await Promise.all(instances.map((p) => p.stop()));
    },
  };
}

/** The HTTP send path's ceiling: bare node:http parsing JSON and answering it, one instance. */
export async function startHttpEcho(options: { cpuProfDir?: string } = {}): Promise<PinnedProcess> {
  const port = await freePort();
  return startPinned({
    name: "http-echo",
    entry: "bench/src/peers/http-echo.ts",
    args: ["--port", String(port), "--secret", "unused"],
    port,
    cpuProfDir: options.cpuProfDir,
  });
}

/** The send path's ceiling: Parley's own send handler in bare node:http (see peers/http-send.ts). */
export async function startHttpSend(env: Record<string, string>, options: { cpuProfDir?: string } = {}) {
  const port = await freePort();
  return startPinned({
    name: "http-send",
    entry: "bench/src/peers/http-send.ts",
    env: { ...env, PORT: String(port) },
    port,
    cpuProfDir: options.cpuProfDir,
  });
}
