import type { OpenApiMeta, OpenApiMethod } from "trpc-to-openapi";

/** Where the REST API lives: every `rest(…)` path is under it (`/api/v1/rooms/{roomId}`). */
export const REST_BASE_PATH = "/api/v1";

/**
 * A procedure's REST route, for `.meta(rest(…))`: the verb, the path under `REST_BASE_PATH` (its
 * `{name}` segments are input fields), and the summary the OpenAPI document shows. The route is
 * generated from the procedure itself by trpc-to-openapi: same input and output schemas, same
 * service call, same errors (their HTTP statuses: `httpStatusOf`). Queries read their input from
 * the query string, mutations from a JSON body. `anonymous`: callable without a token.
 * Subscriptions have no REST route (they are WebSocket-only).
 */
export function rest(
  method: OpenApiMethod,
  path: `/${string}`,
  summary: string,
  options: { anonymous?: boolean; description?: string } = {},
): OpenApiMeta {
  return {
    openapi: {
      method,
      path,
      summary,
      tags: [path.split("/")[1] ?? "parley"],
      protect: !options.anonymous,
      ...(options.description ? { description: options.description } : {}),
    },
  };
}
