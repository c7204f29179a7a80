import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import {
  type AppRouter,
  appRouter,
  clientAddressOf,
  createContext,
  type Deps,
  isAdminRestPath,
  type Logger,
  MAX_REQUEST_BODY_BYTES,
  namesAdminProcedure,
  RateLimited,
  readiness,
  routerFor,
  routerWithoutAdministration,
  type TrustProxy,
  tokenFromAuthorization,
} from "@parley/api";
import { createCompatRest, isCompatPath } from "@parley/api/compat";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { pinoHttp } from "pino-http";
import { createFilesHandler, isFilesPath } from "./files-http";
import { createHooksHandler, isHooksPath, loggablePath } from "./hooks-http";
import { createDocsHandler, createRestHandler, isDocsPath, isRestPath } from "./rest-http";
import { sendJson } from "./send-json";
import { answerHotQuery, type FailureHandling } from "./trpc-hot-queries";

export { HTTP_SERVER_TIMEOUTS } from "./http-timeouts";
export { sendJson };

/** The largest tRPC or REST request body accepted over HTTP, in bytes (see MAX_REQUEST_BODY_BYTES). */
export const MAX_BODY_BYTES = MAX_REQUEST_BODY_BYTES;

export type ApiHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ApiHandlerOptions {
  /**
   * Another way for tRPC over HTTP to learn the caller's token when there is no `Authorization`
   * header: the web process reads it from the browser's session cookie.
   */
  sessionToken?: (req: IncomingMessage) => Promise<string | null>;
  /** Which proxies' X-Forwarded-For to believe for the client's address (TRUST_PROXY); none by default. */
  trustProxy?: TrustProxy;
}

/**
 * tRPC over HTTP under `/trpc/`, the same procedures as a REST API under `/api/v1/` and its
 * reference at `/docs` (rest-http.ts), shared files under `/files` (see files-http.ts), incoming
 * webhooks under `/hooks/<id>/<secret>` (see hooks-http.ts), the seed
 * servers' REST endpoints at their own paths, `/healthz`
 * (the process is up) and `/readyz` (its PostgreSQL and Redis answer) for load balancers, and
 * `/metrics` for Prometheus. Returns false for any other path, so that the caller can serve it
 * (the web app) or answer 404 (the realtime process).
 */
export function createApiHandler(deps: Deps, log: Logger, options: ApiHandlerOptions = {}): ApiHandler {
  const trustProxy = options.trustProxy ?? (() => false);
  const tokenOf = async (req: IncomingMessage) =>
    tokenFromAuthorization(req.headers.authorization) ?? (await options.sessionToken?.(req)) ?? null;
  const contextOf = async (req: IncomingMessage) =>
    createContext(deps, await tokenOf(req), { clientAddress: clientAddressOf(req, trustProxy) });
  const failure: FailureHandling = {
    // A rate-limited call says when to try again, in the header HTTP clients know.
    headers(errors): Record<string, string> {
      const limited = errors.map((e) => e.cause).find((cause) => cause instanceof RateLimited);
      return limited ? { "retry-after": String(limited.retryAfterSeconds) } : {};
    },
    log(error, path, req) {
      if (error.code === "INTERNAL_SERVER_ERROR") logOf(req).error({ err: error, path }, "procedure failed");
    },
  };
  const adapterOf = (router: AppRouter) =>
    createHTTPHandler({
      router,
      basePath: "/trpc/",
      maxBodySize: MAX_BODY_BYTES,
      maxBatchSize: MAX_BATCH_SIZE,
      createContext: ({ req }) => contextOf(req),
      responseMeta: ({ errors }) => ({ headers: failure.headers(errors) }),
      onError: ({ error, path, req }) => failure.log(error, path, req),
    });
  const adapter = adapterOf(appRouter);
  // Anyone but an administrator who names an administrator's procedure is answered by a router
  // without them: exactly as for a procedure that does not exist (admin-surface.ts).
  const adapterWithoutAdministration = adapterOf(routerWithoutAdministration);
  const trpcAdapterFor = async (req: IncomingMessage) => {
    const paths = (req.url ?? "/").split("?")[0]?.slice("/trpc/".length) ?? "";
    if (!namesAdminProcedure(paths)) return adapter;
    return (await routerFor(deps, await tokenOf(req))) === appRouter ? adapter : adapterWithoutAdministration;
  };
  // The hottest queries skip the adapter's Fetch Request and Response (trpc-hot-queries.ts).
  const trpc: Handler = async (req, res) => {
    if (!(await answerHotQuery(req, res, contextOf, failure))) await (await trpcAdapterFor(req))(req, res);
  };
  const restApi = createRestHandler(contextOf, failure, MAX_BODY_BYTES, async (req) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    return isAdminRestPath(path) ? routerFor(deps, await tokenOf(req)) : appRouter;
  });
  const docs = createDocsHandler();
  const compat = getRequestListener(createCompatRest(deps, log, { trustProxy }).fetch);
  const files = createFilesHandler(deps, log, {
    tokenOf: (req) => tokenFromAuthorization(req.headers.authorization),
    ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
  });
  const hooks = createHooksHandler(deps, log);
  /** Who answers which paths, besides tRPC and the probes: the first that owns a path. */
  const routes: [(path: string) => boolean, Handler][] = [
    [isRestPath, restApi],
    [isFilesPath, files],
    [isHooksPath, hooks],
    [isDocsPath, docs],
    [isCompatPath, compat],
  ];
  const probes: Record<string, Handler> = {
    "/healthz": (_req, res) => sendJson(res, 200, { ok: true }),
    "/readyz": async (_req, res) => {
      const state = await readiness(deps);
      sendJson(res, state.ready ? 200 : 503, state);
    },
    "/metrics": async (_req, res) => {
      const { registry } = deps.metrics;
      res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
    },
  };
  const requestLog = pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const id = requestIdOf(req.headers["x-request-id"]) ?? randomUUID();
      res.setHeader("x-request-id", id);
      return id;
    },
    // Method and path only: headers (Authorization, cookies) and query strings may carry tokens, and
    // an incoming webhook's path its secret.
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: loggablePath(req.url.split("?")[0] ?? ""),
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? "error" : "info"),
    autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics" },
  });
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const handle: Handler | undefined = path.startsWith("/trpc/")
      ? trpc
      : (routes.find(([owns]) => owns(path))?.[1] ?? probes[path]);
    if (!handle) return false;
    // Every answer here is JSON or plain text: browsers must not guess it is a page or a script.
    res.setHeader("x-content-type-options", "nosniff");
    requestLog(req, res);
    Promise.resolve(handle(req, res)).catch((error: unknown) => {
      logOf(req).error({ err: error, path }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
    });
    return true;
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The request's own logger (with its id) once pino-http has seen it. */
const logOf = (req: IncomingMessage): Pick<Logger, "error"> => (req as IncomingMessage & { log: Logger }).log;

/** A request id a proxy or client sent, if it is a sane one to repeat in logs and answers. */
function requestIdOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : undefined;
}
