import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { appRouter, createContext, type Deps, type Logger, tokenFromAuthorization } from "@parley/api";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";

/** The largest tRPC request body accepted over HTTP: far above any valid input, far below harm. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** tRPC over HTTP under `/trpc`, and `/healthz` for load balancers; everything else is a 404. */
export function createHttpListener(deps: Deps, log: Logger): RequestListener {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: MAX_BODY_BYTES,
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "procedure failed");
    },
    createContext: ({ req }) => createContext(deps, tokenFromAuthorization(req.headers.authorization)),
  });
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/trpc/")) return trpc(req, res);
    if (path === "/healthz") return sendJson(res, 200, { ok: true });
    sendJson(res, 404, { error: `nothing is served at ${path}` });
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
