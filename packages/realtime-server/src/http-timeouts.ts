import type { ServerOptions } from "node:http";

/**
 * Options for both processes' HTTP server (`createServer(HTTP_SERVER_TIMEOUTS, …)`): a request,
 * WebSocket upgrades included, whose headers are not complete within 10 s is answered 408 and its
 * connection closed, looked for every second. Node's defaults (60 s, looked for every 30 s) let a
 * client hold up to 16 KiB of unfinished headers per connection for about 90 s.
 */
export const HTTP_SERVER_TIMEOUTS = {
  /** Milliseconds from a request's first byte to the end of its headers. */
  headersTimeout: 10_000,
  /** How often Node looks for requests over that time, in milliseconds. */
  connectionsCheckingInterval: 1000,
} satisfies ServerOptions;
