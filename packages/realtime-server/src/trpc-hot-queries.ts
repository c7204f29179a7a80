import type { IncomingMessage, ServerResponse } from "node:http";
import { appRouter, type Context, createCallerFactory } from "@parley/api";

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
 * Anything else, and any call that fails (bad input, no token, not a member, a database error),
 * is left to tRPC's adapter, which answers it as it answers every call: the same error shapes,
 * statuses, `retry-after` and error log. A failed hot query is therefore run twice; the hot ones
 * are reads that change nothing, so a second run answers what the first would have.
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

/**
 * Answers `req` when it is a hot query that succeeds (see above) and resolves true; resolves false,
 * having written nothing, when tRPC's adapter should answer it. `context` builds the call's context
 * as the adapter's `createContext` does.
 */
export async function answerHotQuery(
  req: IncomingMessage,
  res: ServerResponse,
  context: (req: IncomingMessage) => Promise<Context>,
): Promise<boolean> {
  const call = hotCall(req);
  if (!call) return false;
  let data: unknown;
  try {
    data = await HOT_QUERIES[call.path](createCaller(await context(req)), call.input);
  } catch {
    return false;
  }
  const body = JSON.stringify({ result: { data } });
  res.writeHead(200, {
    vary: "trpc-accept, accept",
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
  return true;
}
