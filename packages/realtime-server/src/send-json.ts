import type { ServerResponse } from "node:http";

/** A JSON answer (with `X-Content-Type-Options: nosniff`, as every API answer has). */
export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res
    .writeHead(status, { "content-type": "application/json", "x-content-type-options": "nosniff" })
    .end(JSON.stringify(body));
}
