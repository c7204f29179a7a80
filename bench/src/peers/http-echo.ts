import { createServer } from "node:http";
import { exitOnSignal, peerArgs } from "./peer-args";

/**
 * The ceiling of the HTTP send path: node:http reading the body, JSON.parse, and a JSON answer
 * shaped like tRPC's; no validation, no database, no publish.
 */
const { port } = peerArgs();
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const input = JSON.parse(Buffer.concat(chunks).toString() || "null") as unknown;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ result: { data: input } }));
  });
}).listen(port, "127.0.0.1");
exitOnSignal();
