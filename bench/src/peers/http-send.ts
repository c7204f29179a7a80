import { createServer } from "node:http";
import { AppError, authenticate, createLogger, createRuntime, httpStatusOf, loadApiConfig } from "@parley/api";
import { SendMessageInput } from "@parley/api/schemas";
import { messages } from "@parley/api/services";
import { exitOnSignal } from "./peer-args";

/**
 * The ceiling of Parley's send path: the same handler (the token checked, the input validated,
 * the message stored in PostgreSQL and published on Redis) in bare node:http, without tRPC, Hono
 * or Next. Configured by the environment, as a Parley instance is; listens on PORT.
 */
const config = await loadApiConfig(process.env);
const { deps } = await createRuntime(config, createLogger("http-send", "warn"));

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const actor = await authenticate(deps, req.headers.authorization?.replace(/^Bearer /i, "") ?? "");
      const input = SendMessageInput.parse(JSON.parse(Buffer.concat(chunks).toString() || "null"));
      const message = await messages.sendMessage(deps, actor, input);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ result: { data: message } }));
    } catch (error) {
      const status = error instanceof AppError ? httpStatusOf[error.code] : 400;
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: String(error) }));
    }
  });
}).listen(Number(process.env.PORT), "127.0.0.1");
exitOnSignal();
