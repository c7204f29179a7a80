import { createServer } from "node:http";
import { createLogger, createRuntime, loadApiConfig } from "@parley/api";
import { RealtimeEnv } from "./env";
import { createHttpListener } from "./http";

const config = await loadApiConfig(process.env);
const { REALTIME_PORT, HOST } = RealtimeEnv.parse(process.env);
const log = createLogger("realtime", config.logLevel);
const runtime = await createRuntime(config, log);

const server = createServer(createHttpListener(runtime.deps, log));
server.listen(REALTIME_PORT, HOST, () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : REALTIME_PORT;
  log.info({ port, db: runtime.db.driver, bus: config.redisUrl ? "redis" : "memory" }, `listening on ${HOST}:${port}`);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal }, "shutting down");
  server.closeIdleConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
