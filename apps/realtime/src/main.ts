import { createServer } from "node:http";
import { ConfigError, createLogger, getProcessRuntime } from "@parley/api";
import {
  createApiHandler,
  createRealtime,
  HTTP_SERVER_TIMEOUTS,
  isRealtimePath,
  loadRealtimeProcessConfig,
  sendJson,
} from "@parley/realtime-server";

/** The realtime process: tRPC over WebSocket at /trpc (and over HTTP), any number of instances. */
async function main() {
  // Every setting of this process, parsed once; the pieces are handed down from here.
  const { api: config, env } = await loadRealtimeProcessConfig(process.env);
  const log = createLogger("realtime", config.logLevel);
  const runtime = await getProcessRuntime(config, log);
  const realtime = await createRealtime(runtime, env, config);
  const api = createApiHandler(runtime.deps, log, { trustProxy: runtime.trustProxy });

  const server = createServer(HTTP_SERVER_TIMEOUTS, (req, res) => {
    if (!api(req, res)) sendJson(res, 404, { error: `nothing is served at ${req.url?.split("?")[0]}` });
  });
  server.on("upgrade", (req, socket, head) => {
    if (isRealtimePath((req.url ?? "").split("?")[0] ?? "/")) void realtime.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  server.listen(env.REALTIME_PORT, env.HOST, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.REALTIME_PORT;
    log.info(
      {
        port,
        db: runtime.db.driver,
        bus: config.redis === undefined ? "memory" : typeof config.redis === "string" ? "redis" : "redis-cluster",
      },
      `listening on ${env.HOST}:${port}`,
    );
  });

  let closing = false;
  async function shutdown(signal: string) {
    if (closing) return;
    closing = true;
    log.info({ signal, connections: realtime.connections }, "shutting down: asking clients to reconnect");
    // Stop listening first: clients told to reconnect must find another instance, not this one.
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await realtime.close();
    server.closeIdleConnections();
    await serverClosed;
    await runtime.close();
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
