import type { WebSocketServer } from "ws";
import { CloseCode } from "./close-codes";
import type { Connections } from "./connections";

/** How long a closing server waits for clients told to reconnect to close their sockets themselves. */
const RECONNECT_GRACE_MS = 1000;

/** How long a closing server waits for its clients to answer the close. */
const CLOSE_GRACE_MS = 3000;

/**
 * Asks every client to reconnect (elsewhere), gives them RECONNECT_GRACE_MS to close on their own,
 * closes the sockets still open (1012), and waits for their close handshakes (at most
 * CLOSE_GRACE_MS: a client that stopped reading is then terminated). Called once the calls in
 * flight were answered (see `Drain`).
 */
export async function closeConnections(connections: Connections, wss: WebSocketServer): Promise<void> {
  const reconnect = JSON.stringify({ id: null, method: "reconnect" });
  const closed = [...connections].map(({ ws }) => new Promise((resolve) => ws.once("close", resolve)));
  for (const { ws } of connections) ws.send(reconnect);
  // tRPC's client closes a socket told to reconnect itself, after the frames it had sent: those
  // are still answered (refused as restarting) before the close. Sockets still open are closed.
  await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, RECONNECT_GRACE_MS))]);
  for (const { ws } of connections) ws.close(CloseCode.shuttingDown, "server restarting: reconnect");
  // Clients answer the close at once; one that does not (it stopped reading) is not waited for.
  const grace = setTimeout(() => {
    for (const { ws } of connections) ws.terminate();
  }, CLOSE_GRACE_MS);
  await Promise.all(closed);
  clearTimeout(grace);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
}
