/**
 * Follows a room live with the typed tRPC client: subscriptions over WebSocket (`wsLink`, token
 * in `connectionParams`), everything else over HTTP (`httpBatchLink`), joined by `splitLink`.
 * Prints every message once, in order; when the connection drops it reconnects and resumes from
 * the last message it printed (tRPC sends it as `lastEventId`), so nothing is lost or repeated.
 *
 *   PARLEY_URL=http://localhost:3000 PARLEY_ROOM=General npm run live-client -w @parley/examples
 */
import type { AppRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createTRPCClient, createWSClient, httpBatchLink, splitLink, TRPCClientError, wsLink } from "@trpc/client";
import WebSocket from "ws";

const baseUrl = process.env.PARLEY_URL ?? "http://localhost:3000";
const username = process.env.PARLEY_USER ?? "live-reader";
const password = process.env.PARLEY_PASSWORD ?? "live-reader-password";
const roomName = process.env.PARLEY_ROOM ?? "examples";

let token: string | null = null;
const socket = createWSClient({
  url: `${baseUrl.replace(/^http/, "ws")}/trpc`,
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket, // Node 20 has no global WebSocket
  connectionParams: () => ({ token: token ?? "" }),
  lazy: { enabled: true, closeMs: 0 }, // connect on the first subscription, once signed in
  retryDelayMs: (attempt) => Math.min(200 * 2 ** attempt, 5000),
  onOpen: () => console.log("* connected"),
  onClose: (cause) => console.log(`* disconnected (${cause?.code ?? "?"}), reconnecting`),
});
const parley = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === "subscription",
      true: wsLink({ client: socket }),
      false: httpBatchLink({
        url: `${baseUrl}/trpc`,
        maxItems: MAX_BATCH_SIZE, // the server refuses bigger batches
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    }),
  ],
});

const isCode = (error: unknown, code: string) => error instanceof TRPCClientError && error.data?.code === code;

const session = await parley.auth.register.mutate({ username, password }).catch(async (error: unknown) => {
  if (!isCode(error, "CONFLICT")) throw error;
  return parley.auth.login.mutate({ login: username, password });
});
token = session.token;

const { items } = await parley.rooms.public.query({ search: roomName });
const room = items.find((r) => r.name?.toLowerCase() === roomName.toLowerCase());
if (!room) throw new Error(`no public room named "${roomName}"`);
await parley.rooms.join.mutate({ roomId: room.id });
console.log(`* following "${room.name}" (#${room.id}) from message ${room.lastSeq}`);

parley.events.room.subscribe(
  { roomId: room.id, lastEventId: String(room.lastSeq) },
  {
    onData: ({ data: event }) => {
      if (event.type === "message") {
        const { seq, author, body } = event.message;
        console.log(`[${seq}] ${author?.username ?? "*"}: ${body}`);
      } else if (event.type === "reset") {
        console.log(`* missed too much: refetch history up to ${event.lastSeq}`);
      }
    },
    onError: (error) => {
      console.error(`* subscription failed: ${error.message}`);
      process.exit(1);
    },
  },
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    socket.close();
    process.exit(0);
  });
}
