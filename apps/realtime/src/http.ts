import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { appRouter, createContext, type Deps, type Logger, tokenFromAuthorization } from "@parley/api";
import { createCompatRest, isCompatPath } from "@parley/api/compat";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";

/** The largest tRPC request body accepted over HTTP: far above any valid input, far below harm. */
export const MAX_BODY_BYTES = 1024 * 1024;

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ApiHandlerOptions {
  /**
   * Another way for tRPC over HTTP to learn the caller's token when there is no `Authorization`
   * header: the web process reads it from the browser's session cookie.
   */
  sessionToken?: (req: IncomingMessage) => Promise<string | null>;
}

/**
 * tRPC over HTTP under `/trpc/`, the seed servers' REST endpoints at their own paths, and
 * `/healthz` for load balancers. Returns false for any other path, so that the caller can serve
 * it (the web app) or answer 404 (the realtime process).
 */
export function createApiHandler(deps: Deps, log: Logger, options: ApiHandlerOptions = {}): ApiHandler {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: MAX_BODY_BYTES,
    createContext: async ({ req }) =>
      createContext(
        deps,
        tokenFromAuthorization(req.headers.authorization) ?? (await options.sessionToken?.(req)) ?? null,
      ),
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") log.error({ err: error, path }, "procedure failed");
    },
  });
  const compat = getRequestListener(createCompatRest(deps, log).fetch);
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path.startsWith("/trpc/")) {
      trpc(req, res);
      return true;
    }
    if (isCompatPath(path)) {
      void compat(req, res);
      return true;
    }
    if (path === "/healthz") {
      sendJson(res, 200, { ok: true });
      return true;
    }
    return false;
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
