import { connect, createServer, type Socket } from "node:net";
import { freePort } from "@parley/realtime/testing";

/**
 * What the link between the browser and a server does:
 * - `pass`: carries every byte both ways;
 * - `refuse`: ends every connection, open or new, at once (the server is down: the browser hears it);
 * - `blackhole`: keeps every connection open and carries nothing, either way, nor any close (a dead
 *   link: a Wi-Fi that dropped, a NAT that forgot the connection); new ones are accepted and hang.
 */
export type LinkMode = "pass" | "refuse" | "blackhole";

export interface TcpProxy {
  /** The port the browser is told to use. */
  readonly port: number;
  mode: LinkMode;
  /** Where the bytes go: the server's port on 127.0.0.1 (set once the server is known). */
  target: number | null;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket | null;
  /** Bytes from the client that arrived before the server connection was there (sent once it is). */
  early: Buffer[];
}

/**
 * A real TCP proxy on 127.0.0.1 for end-to-end tests of a flaky network: the browser's WebSocket
 * goes through it to the realtime process, and a test changes `mode` to make the link fail in the
 * ways networks do. Bytes held back in `blackhole` are dropped, as a dead link drops them.
 */
export async function startTcpProxy(): Promise<TcpProxy> {
  const port = await freePort();
  const pairs = new Set<Pair>();

  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server?.destroy();
  };

  const server = createServer((client) => {
    const pair: Pair = { client, server: null, early: [] };
    pairs.add(pair);
    client.on("error", () => end(pair));
    client.on("close", () => {
      // The server hears the browser's close only while the link carries it.
      if (proxy.mode !== "blackhole") end(pair);
      else pairs.delete(pair);
    });
    client.on("data", (chunk: Buffer) => {
      if (proxy.mode !== "pass") return;
      if (pair.server) pair.server.write(chunk);
      else pair.early.push(chunk);
    });
    if (proxy.mode === "refuse" || proxy.target === null) return end(pair);
    if (proxy.mode === "blackhole") return;
    const upstream = connect(proxy.target, "127.0.0.1");
    pair.server = upstream;
    upstream.on("connect", () => {
      for (const chunk of pair.early.splice(0)) upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (proxy.mode === "pass") client.write(chunk);
    });
    upstream.on("error", () => proxy.mode !== "blackhole" && end(pair));
    upstream.on("close", () => proxy.mode !== "blackhole" && end(pair));
  });

  const proxy: TcpProxy & { mode: LinkMode } = {
    port,
    target: null,
    get mode() {
      return currentMode;
    },
    set mode(mode: LinkMode) {
      currentMode = mode;
      if (mode === "refuse") for (const pair of [...pairs]) end(pair);
    },
    async close() {
      for (const pair of [...pairs]) end(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  let currentMode: LinkMode = "pass";

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return proxy;
}
