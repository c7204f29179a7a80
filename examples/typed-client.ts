/**
 * Talks to Parley with the typed tRPC client: signs up (or in), opens a room, sends a message and
 * reads the room's newest messages back.
 *
 *   PARLEY_URL=http://localhost:3000 npm run typed-client -w @parley/examples
 */
import type { AppRouter } from "@parley/api";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";

const baseUrl = process.env.PARLEY_URL ?? "http://localhost:3000";
const username = process.env.PARLEY_USER ?? "example-bot";
const password = process.env.PARLEY_PASSWORD ?? "example-password";
const roomName = process.env.PARLEY_ROOM ?? "examples";

let token: string | null = null;
const parley = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: `${baseUrl}/trpc`,
      maxItems: MAX_BATCH_SIZE, // the server refuses bigger batches
      headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
    }),
  ],
});

const isCode = (error: unknown, code: string) => error instanceof TRPCClientError && error.data?.code === code;

// Register, or log in if the name is taken.
const session = await parley.auth.register.mutate({ username, password }).catch(async (error: unknown) => {
  if (!isCode(error, "CONFLICT")) throw error;
  return parley.auth.login.mutate({ login: username, password });
});
token = session.token;
console.log(`signed in as ${session.user.username} (#${session.user.id})`);

// Create the room, or find and join it if it exists.
const room = await parley.rooms.create.mutate({ name: roomName }).catch(async (error: unknown) => {
  if (!isCode(error, "CONFLICT")) throw error;
  const { items } = await parley.rooms.public.query({ search: roomName });
  const existing = items.find((r) => r.name?.toLowerCase() === roomName.toLowerCase());
  if (!existing) throw error;
  return parley.rooms.join.mutate({ roomId: existing.id });
});
console.log(`in room "${room.name}" (#${room.id})`);

const text = process.argv[2] ?? `hello from the typed client at ${new Date().toISOString()}`;
const sent = await parley.messages.send.mutate({ roomId: room.id, text, clientId: crypto.randomUUID() });
console.log(`sent #${sent.seq}: ${sent.body}`);

const history = await parley.history.list.query({ roomId: room.id, limit: 5 });
for (const message of history.items.reverse()) {
  console.log(`  [${message.seq}] ${message.author?.username ?? "*"}: ${message.body}`);
}
