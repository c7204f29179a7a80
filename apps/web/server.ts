import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { CLIENT_ADDRESS_HEADER, ConfigError, clientAddressOf, createLogger, getProcessRuntime } from "@parley/api";
import {
  createApiHandler,
  createRealtime,
  HTTP_SERVER_TIMEOUTS,
  isOriginAllowed,
  isRealtimePath,
  type Realtime,
  refuseUpgrade,
} from "@parley/realtime-server";
import next from "next";
import { deriveSessionSecret, sessionTokenReader } from "./src/auth/session-cookie";
import { sharePublicConfig } from "./src/public-config";
import { fileStoreOrigin, securityHeaders } from "./src/security-headers";
import { loadWebServerConfig } from "./src/server-env";

type NextHandler = ReturnType<ReturnType<typeof next>["getRequestHandler"]>;

/**
 * Next 16's HMR WebSocket (development only; no basePath or assetPrefix is configured). Next ignores
 * any other upgrade and leaves the socket hanging, so only this one is handed to it.
 */
const NEXT_HMR_PATH = "/_next/hmr";

/** How long shutdown waits, after its drain (SHUTDOWN_DRAIN_MS), for WebSocket close handshakes. */
const SHUTDOWN_GRACE_MS = 5000;

/** This app's directory, wherever the process was started from (`npm start` runs at the repo root). */
const dir = path.dirname(fileURLToPath(import.meta.url));

/**
 * The web process: the Next app, tRPC over HTTP at /trpc/* and /healthz, and (unless
 * WEB_WEBSOCKET=off) tRPC over WebSocket at /trpc, all on one port. With no DATABASE_URL and no
 * REDIS_URL it is the whole of Parley in one process.
 */
async function main() {
  // Every setting of this process, parsed once; the pieces are handed down from here.
  const { api: config, env, dev, public: publicSettings } = await loadWebServerConfig(process.env);
  if (!dev && !existsSync(path.join(dir, ".next", "BUILD_ID"))) {
    throw new ConfigError(
      `There is no production build of the web app in ${path.join(dir, ".next")}: run \`npm run build -w @parley/web\` ` +
        "(`npm start` builds it for you), or set NODE_ENV=development.",
    );
  }
  // The configuration the app was built with, handed to Next as its own standalone server.js does:
  // the web image has no next.config.ts, and where there is one, Next would load it again and warn
  // that a build with `output: "standalone"` is not meant for its production server.
  if (!dev) process.env.__NEXT_PRIVATE_STANDALONE_CONFIG ??= JSON.stringify(await buildConfig());
  const log = createLogger("web", config.logLevel);
  // The one runtime of this process: Next's server bundle has its own copy of @parley/api, and
  // reaches this same instance through getProcessRuntime, never a second database or bus.
  const runtime = await getProcessRuntime(config, log);
  const realtime: Realtime | null = env.WEB_WEBSOCKET === "on" ? await createRealtime(runtime, env, config) : null;
  const sessionSecret = env.NEXTAUTH_SECRET ?? deriveSessionSecret(config.auth.secret);
  const api = createApiHandler(runtime.deps, log, {
    trustProxy: runtime.trustProxy,
    sessionToken: sessionTokenReader({
      secret: sessionSecret,
      secure: env.NEXTAUTH_URL?.startsWith("https://") ?? false,
      originAllowed: (req) => isOriginAllowed(req, env.ALLOWED_ORIGINS),
    }),
  });

  // Next attaches its own "upgrade" listener (HMR in development) to `httpServer`, or else to the
  // server of the first request it handles: a second listener beside ours on every upgrade. Give
  // it a server that never listens instead, and hand it only the upgrades that are its own.
  // (`app.getUpgradeHandler()` does not do it in Next 16: it ends in a no-op.) Next attaches at
  // its first request: an HMR socket opened before that is refused, and the browser retries.
  const nextUpgrades = createServer();
  const hostname = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;

  let nextReady!: (handle: NextHandler) => void;
  let nextFailed!: (error: unknown) => void;
  const nextHandler = new Promise<NextHandler>((resolve, reject) => {
    nextReady = resolve;
    nextFailed = reject;
  });
  nextHandler.catch(() => {}); // main() reports it

  sharePublicConfig(publicSettings);
  const pageHeaders = securityHeaders({
    realtimeUrl: publicSettings.realtimeUrl,
    dev,
    fileOrigin: fileStoreOrigin(config.files.s3),
  });
  const server = createServer(HTTP_SERVER_TIMEOUTS, (req, res) => {
    if (api(req, res)) return;
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req, runtime.trustProxy);
    for (const [name, value] of Object.entries(pageHeaders)) res.setHeader(name, value);
    nextHandler
      .then((handle) => handle(req, res))
      .catch((error: unknown) => {
        // The path only: a query string may carry a token.
        log.error({ err: error, path: (req.url ?? "/").split("?")[0] }, "the web app failed to answer");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("Internal Server Error");
      });
  });

  // Upgraded sockets keep `server.close()` waiting, and `closeAllConnections()` does not reach
  // them: shutdown ends them itself (the realtime ones after they had a moment to close cleanly).
  const upgraded = new Map<Duplex, "realtime" | "next">();
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    if (isRealtimePath(pathname)) {
      if (!realtime) {
        refuseUpgrade(socket, 404, "WebSockets are served by the realtime process here (WEB_WEBSOCKET=off)");
        return;
      }
      track(socket, "realtime");
      void realtime.handleUpgrade(req, socket, head);
    } else if (dev && pathname === NEXT_HMR_PATH && nextUpgrades.listenerCount("upgrade") > 0) {
      track(socket, "next");
      nextUpgrades.emit("upgrade", req, socket, head);
    } else {
      socket.destroy();
    }
  });
  function track(socket: Duplex, owner: "realtime" | "next") {
    upgraded.set(socket, owner);
    socket.once("close", () => upgraded.delete(socket));
  }

  // Listen first, so that Next learns the real port (PORT=0 picks a free one); requests that
  // arrive before it is ready wait for it, and the "listening" line comes only once it is.
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`Cannot listen on ${env.HOST}:${env.PORT}: ${error.code ?? error.message}`));
    server.once("error", failed);
    server.listen(env.PORT, env.HOST, () => {
      server.off("error", failed);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;

  // next-auth reads these from the environment (in Next's bundle); fill in the defaults once, here.
  process.env.NEXTAUTH_SECRET = sessionSecret;
  process.env.NEXTAUTH_URL = env.NEXTAUTH_URL ?? `http://${hostname}:${port}`;

  const app = next({ dev, dir, hostname, port, httpServer: nextUpgrades });
  try {
    await app.prepare();
    nextReady(app.getRequestHandler());
  } catch (error) {
    nextFailed(error);
    throw error;
  }
  log.info(
    {
      port,
      db: runtime.db.driver,
      bus: config.redis === undefined ? "memory" : typeof config.redis === "string" ? "redis" : "redis-cluster",
      websocket: realtime ? "on" : "off",
      next: dev ? "development" : "production",
    },
    `listening on ${env.HOST}:${port}`,
  );

  let closing = false;
  async function shutdown(signal: string) {
    if (closing) return;
    closing = true;
    log.info({ signal, connections: realtime?.connections ?? 0 }, "shutting down: asking clients to reconnect");
    // Requests and WebSocket calls under way may finish (realtime.close() answers the calls in
    // flight for up to SHUTDOWN_DRAIN_MS first), and WebSocket clients may answer the close; not
    // for long (realtime.close() itself waits for every client's answer, up to ws's 30 s close timeout).
    const force = setTimeout(() => {
      server.closeAllConnections();
      for (const socket of upgraded.keys()) socket.destroy();
    }, env.SHUTDOWN_DRAIN_MS + SHUTDOWN_GRACE_MS);
    const realtimeClosed = realtime?.close();
    for (const [socket, owner] of upgraded) if (owner === "next") socket.destroy();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([realtimeClosed, serverClosed]);
    clearTimeout(force);
    await app.close();
    await runtime.close();
    process.exit(0);
  }
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

async function buildConfig(): Promise<unknown> {
  const manifest = await readFile(path.join(dir, ".next", "required-server-files.json"), "utf8");
  return (JSON.parse(manifest) as { config: unknown }).config;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
