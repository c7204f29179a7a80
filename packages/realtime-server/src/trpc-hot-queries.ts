import type { IncomingMessage, ServerResponse } from "node:http";
import { appRouter, type Context, createCallerFactory } from "@parley/api";
import type { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import {
  getErrorShape,
  getTRPCErrorFromUnknown,
  transformTRPCResponse,
} from "@trpc/server/unstable-core-do-not-import";

/**
 * The hottest tRPC queries over HTTP, answered without tRPC's HTTP adapter when they succeed.
 *
 * tRPC's Node adapters turn every call into a Fetch `Request` (URL, headers, an abort signal) and
 * its answer into a Fetch `Response` whose body they then pipe to the socket through web streams:
 * for a page of history, in process, about 0.3 ms of CPU per call beside the page's own 1.2 ms,
 * and a good part of its allocation. Here a plain GET of one of `HOT_QUERIES` (not batched, not
 * streamed: `/trpc/<path>?input=<json>`) runs through tRPC's server-side caller (the same
 * procedure, middlewares, input and output checks) and its result is written as tRPC writes it:
 * status 200, `{"result":{"data":…}}`, `content-type: application/json`, `vary: trpc-accept,
 * accept` (with a `content-length` rather than chunks).
 *
 * A call that fails (bad input, no token, not a member, a database error) is answered here too, as
 * the adapter answers a single call: its status from the error's code, `{"error": …}` shaped by
 * the router's `errorFormatter`, and the same `retry-after` and error log (`failure`, which the
 * adapter uses as well). Anything else (another method, path or procedure, a batch, a streamed
 * call, input that is not JSON) is left to tRPC's adapter.
 */
const HOT_QUERIES = {
  "history.list": (caller, input) => caller.history.list(input as never),
} satisfies Record<string, (caller: Caller, input: unknown) => Promise<unknown>>;

const createCaller = createCallerFactory(appRouter);
type Caller = ReturnType<typeof createCaller>;
type HotPath = keyof typeof HOT_QUERIES;

const PREFIX = "/trpc/";

/**
 * The hot query a request asks for, and its raw input, or undefined when tRPC's adapter should take
 * it: another method, path or procedure, a batch, a streamed call, or input that is not JSON.
 */
function hotCall(req: IncomingMessage): { path: HotPath; input: unknown } | undefined {
  if (req.method !== "GET" || req.headers["trpc-accept"] !== undefined) return undefined;
  const url = req.url ?? "";
  const query = url.indexOf("?");
  const path = url.slice(PREFIX.length, query === -1 ? undefined : query);
  if (!url.startsWith(PREFIX) || !Object.hasOwn(HOT_QUERIES, path)) return undefined;
  const params = new URLSearchParams(query === -1 ? "" : url.slice(query + 1));
  if (params.has("batch")) return undefined;
  const raw = params.get("input");
  if (raw === null) return { path: path as HotPath, input: undefined };
  try {
    return { path: path as HotPath, input: JSON.parse(raw) };
  } catch {
    return undefined;
  }
}

/** How a failed call is told, shared with tRPC's adapter (see http.ts). */
export interface FailureHandling {
  /** Headers for an answer that carries these errors (`retry-after` for a rate limit). */
  headers(errors: TRPCError[]): Record<string, string>;
  /** Logs a failure that is ours (an internal error), as the adapter's `onError`. */
  log(error: TRPCError, path: string | undefined, req: IncomingMessage): void;
}

const { _config: config } = appRouter._def;

/**
 * Answers `req` when it is a hot query (see above) and resolves true; resolves false, having written
 * nothing, when tRPC's adapter should answer it. `context` builds the call's context as the
 * adapter's `createContext` does.
 */
export async function answerHotQuery(
  req: IncomingMessage,
  res: ServerResponse,
  context: (req: IncomingMessage) => Promise<Context>,
  failure: FailureHandling,
): Promise<boolean> {
  const call = hotCall(req);
  if (!call) return false;
  let ctx: Context | undefined;
  let answer: { status: number; body: unknown; headers: Record<string, string> };
  try {
    ctx = await context(req);
    answer = {
      status: 200,
      body: { result: { data: await HOT_QUERIES[call.path](createCaller(ctx), call.input) } },
      headers: {},
    };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    failure.log(error, call.path, req);
    const shape = getErrorShape({ config, error, type: "query", path: call.path, input: call.input, ctx });
    answer = {
      status: getHTTPStatusCodeFromError(error),
      body: transformTRPCResponse(config, { error: shape }),
      headers: failure.headers([error]),
    };
  }
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    vary: "trpc-accept, accept",
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
  return true;
}
