import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import nodeModule from "node:module";
import path from "node:path";
import { type AppRouter, appRouter, type Context, REST_BASE_PATH, tooLargeWords } from "@parley/api";
import { incomingMessageToRequest } from "@trpc/server/adapters/node-http";
import { createOpenApiNodeHttpHandler } from "trpc-to-openapi";
import type { FailureHandling } from "./trpc-hot-queries";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Whether a path is the REST API's (`/api/v1/…`). */
export const isRestPath = (pathname: string) =>
  pathname === REST_BASE_PATH || pathname.startsWith(`${REST_BASE_PATH}/`);

/**
 * The REST API: every tRPC query and mutation that has a `rest(…)` route, served by
 * trpc-to-openapi's Node adapter under `REST_BASE_PATH`, with the same context (the token from
 * `Authorization`, or the web's session cookie), the same `Retry-After` for a rate limit and the
 * same logging of our own failures as tRPC over HTTP. A body over `maxBodySize` bytes is refused
 * (413).
 *
 * The adapter answers a schema failure with "Input validation failed" and the zod issues; Parley
 * answers every transport's bad input in words, so that message becomes the issues' own words
 * (the issues stay in the body too).
 */
export function createRestHandler(
  contextOf: (req: IncomingMessage) => Promise<Context>,
  failure: FailureHandling,
  maxBodySize: number,
  routerOf: (req: IncomingMessage) => Promise<AppRouter> = async () => appRouter,
): Handler {
  // The adapter reads a Fetch Request (its body whatever the charset in Content-Type); the
  // context and the log want the request as it came, found again by the Request made of it.
  const incoming = new WeakMap<object, IncomingMessage>();
  const original = (req: object): IncomingMessage => {
    const found = incoming.get(req);
    if (!found) throw new Error("a REST request without its IncomingMessage");
    return found;
  };
  const adapterOf = (router: AppRouter) =>
    createOpenApiNodeHttpHandler({
      router,
      maxBodySize,
      createContext: ({ req }) => contextOf(original(req)),
      // A procedure that answers nothing (output z.void()) is 204 No Content, not an empty 200.
      responseMeta: ({ errors, data }) =>
        errors.length === 0 && data[0] === undefined ? { status: 204 } : { headers: failure.headers(errors) },
      onError: ({ error, path: procedure, req }) => failure.log(error, procedure, original(req)),
    });
  const adapters = new Map<AppRouter, ReturnType<typeof adapterOf>>();
  const adapterFor = (router: AppRouter) => {
    let adapter = adapters.get(router);
    if (!adapter) {
      adapter = adapterOf(router);
      adapters.set(router, adapter);
    }
    return adapter;
  };
  return async (req, res) => {
    const router = await routerOf(req);
    req.url = (req.url ?? "/").slice(REST_BASE_PATH.length) || "/";
    let request = incomingMessageToRequest(req, res, { maxBodySize });
    if (BODY_METHODS.has(request.method)) {
      // A mutation whose input is all in its path (POST /rooms/{roomId}/join) may come with no body
      // at all: it is read as an empty JSON object, not refused for its missing Content-Type. A body
      // that is not JSON is refused here in words: the adapter would answer it with a 500.
      let text = "{}";
      if (hasBody(req)) {
        try {
          text = await request.text();
          JSON.parse(text);
        } catch (error) {
          // incomingMessageToRequest says "PAYLOAD_TOO_LARGE" (a TRPCError) when the body is over maxBodySize.
          const tooLarge =
            error instanceof Error &&
            ((error as { code?: unknown }).code === "PAYLOAD_TOO_LARGE" || /too.large/i.test(error.message));
          res.writeHead(tooLarge ? 413 : 400, { "content-type": "application/json" }).end(
            JSON.stringify({
              message: tooLarge
                ? tooLargeWords("the request body", maxBodySize)
                : `the body is not valid JSON: ${(error as Error).message}`,
              code: tooLarge ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
            }),
          );
          return;
        }
      }
      const headers = new Headers(request.headers);
      if (!hasBody(req)) headers.set("content-type", "application/json");
      request = new Request(request.url, { method: request.method, headers, body: text, signal: request.signal });
    }
    incoming.set(request, req);
    sayInputErrorsInWords(res);
    await adapterFor(router)(request as unknown as IncomingMessage, res);
  };
}

/** The methods whose input is a JSON body (GET, HEAD and DELETE read theirs from the query). */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Whether a request says it carries a body (a length above 0, or a chunked one). */
const hasBody = (req: IncomingMessage) =>
  req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;

/** Rewrites the adapter's "Input validation failed" answer to say what was wrong. */
function sayInputErrorsInWords(res: ServerResponse): void {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (res.statusCode === 400 && typeof chunk === "string" && chunk.includes('"Input validation failed"')) {
      const body = JSON.parse(chunk) as { message: string; issues?: { path?: PropertyKey[]; message: string }[] };
      if (body.issues?.length) {
        body.message = body.issues
          .map((issue) => (issue.path?.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
          .join("; ");
        return end(JSON.stringify(body));
      }
    }
    return end(chunk);
  }) as ServerResponse["end"];
}

/** The files of the reference page that `/docs/<name>` serves, from swagger-ui-dist. */
const DOCS_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

/** Starts Swagger UI on the page, reading `/openapi.json`: a file, so that no inline script is needed. */
const DOCS_INIT = `window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#reference", deepLinking: true, tryItOutEnabled: false });
});
`;

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<main id="reference"></main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Whether a path is the reference page's (`/docs`, `/docs/…`). */
export const isDocsPath = (pathname: string) => pathname === "/docs" || pathname.startsWith("/docs/");

/**
 * The interactive API reference at `/docs`: Swagger UI (swagger-ui-dist, served from this
 * process, no CDN) over the document at `/openapi.json`. Unknown files under `/docs/` are 404.
 */
export function createDocsHandler(): Handler {
  // swagger-ui-dist is left out of the server bundles (bundle-server.ts), so it is found on disk
  // from here, in development and in the images alike. (Not `import { createRequire }`: the
  // bundles' banner declares that name already.)
  const dir = path.dirname(nodeModule.createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const files = new Map<string, Promise<Buffer>>();
  return async (req, res) => {
    const pathname = (req.url ?? "/").split("?")[0] ?? "/";
    const name = pathname === "/docs" || pathname === "/docs/" ? "" : pathname.slice("/docs/".length);
    if (name === "") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(DOCS_PAGE);
    } else if (name === "init.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(DOCS_INIT);
    } else if (DOCS_ASSETS[name]) {
      let file = files.get(name);
      if (!file) {
        file = readFile(path.join(dir, name));
        files.set(name, file);
      }
      res
        .writeHead(200, { "content-type": DOCS_ASSETS[name], "cache-control": "public, max-age=86400" })
        .end(await file);
    } else {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("nothing is served here");
    }
  };
}
