import type { WebSocketServer } from "ws";
import { CloseCode } from "./close-codes";
import type { Connections } from "./connections";

/** How long a closing server waits for its clients to answer the close. */
const CLOSE_GRACE_MS = 3000;

/**
 * Asks every client to reconnect (elsewhere), closes every socket, and waits for their close
 * handshakes (at most CLOSE_GRACE_MS: a client that stopped reading is then terminated).
 */
export async function closeConnections(connections: Connections, wss: WebSocketServer): Promise<void> {
  const reconnect = JSON.stringify({ id: null, method: "reconnect" });
  const closed = [...connections].map(({ ws }) => new Promise((resolve) => ws.once("close", resolve)));
  for (const { ws } of connections) {
    ws.send(reconnect);
    ws.close(CloseCode.shuttingDown, "server restarting: reconnect");
  }
  // Clients answer the close at once; one that does not (it stopped reading) is not waited for.
  const grace = setTimeout(() => {
    for (const { ws } of connections) ws.terminate();
  }, CLOSE_GRACE_MS);
  await Promise.all(closed);
  clearTimeout(grace);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
