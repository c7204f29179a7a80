import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createMetrics } from "@parley/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { Connections } from "../src/socket/connections";
import { heard, keepSocketsAlive } from "../src/socket/heartbeat";

const PING_MS = 300;
const PONG_WAIT_MS = 300;

/**
 * The process-wide keep-alive on real sockets: a server whose sockets are counted in by
 * `Connections` (tRPC's at /trpc, a seed protocol's elsewhere) and heard on every frame, as
 * `createRealtime` does.
 */
describe("the keep-alive (socket/heartbeat)", () => {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  const connections = new Connections(
    { WS_MAX_CONNECTIONS_PER_ADDRESS: 100, WS_MAX_CONNECTIONS_PER_USER: 100 },
    createMetrics({ processMetrics: false }),
  );
  let stop = () => {};
  let url = "";

  beforeAll(async () => {
    wss.on("connection", (ws, req) => {
      const protocol = req.url === "/trpc" ? "trpc" : "seed";
      const connection = connections.add(ws, protocol, null, "127.0.0.1", () => {}, null);
      ws.on("message", () => heard(connection));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    stop = keepSocketsAlive(connections, { pingMs: PING_MS, pongWaitMs: PONG_WAIT_MS });
  });
  afterAll(() => {
    stop();
    wss.close();
    http.close();
  });

  /** A client that counts the PINGs it gets and answers them (or not). */
  async function client(path: string, answers: boolean) {
    const ws = new WebSocket(`${url}${path}`);
    const client = { ws, pings: 0, closed: once(ws, "close").then(() => performance.now()) };
    ws.on("message", (data) => {
      if (String(data) !== "PING") return;
      client.pings++;
      if (answers) ws.send("PONG");
    });
    await once(ws, "open");
    return client;
  }

  it("pings a silent tRPC socket, keeps one that answers, ends one that does not, and leaves seed sockets alone", async () => {
    const t0 = performance.now();
    const [answering, silent, seed] = await Promise.all([
      client("/trpc", true),
      client("/trpc", false),
      client("/ws", false),
    ]);
    const ended = await silent.closed;
    expect(silent.pings).toBe(1);
    // Ended after its ping went unanswered: no sooner than a ping and a wait, and not much later.
    expect(ended - t0).toBeGreaterThanOrEqual(PING_MS + PONG_WAIT_MS - 20);
    expect(ended - t0).toBeLessThan(PING_MS + PONG_WAIT_MS + 1000);
    // The answering socket, pinged meanwhile, goes on being pinged and stays open.
    while (answering.pings < 3) await once(answering.ws, "message");
    expect(answering.ws.readyState).toBe(WebSocket.OPEN);
    expect(seed.pings).toBe(0);
    expect(seed.ws.readyState).toBe(WebSocket.OPEN);
    expect(connections.size).toBe(2);
    answering.ws.close();
    seed.ws.close();
    await Promise.all([answering.closed, seed.closed]);
  });
});
