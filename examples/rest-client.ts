/**
 * Talks to Parley's REST API with a client generated from its OpenAPI document (openapi-fetch over
 * the types in rest-api.d.ts): signs up (or in), opens a room, sends a message and reads the
 * room's newest messages back. Any HTTP client works the same way; see /docs on a running server.
 *
 *   PARLEY_URL=http://localhost:3000 npm run rest-client -w @parley/examples
 */
import createClient from "openapi-fetch";
import type { paths } from "./rest-api";

const baseUrl = process.env.PARLEY_URL ?? "http://localhost:3000";
const username = process.env.PARLEY_USER ?? "rest-example";
const password = process.env.PARLEY_PASSWORD ?? "example-password";
const roomName = process.env.PARLEY_ROOM ?? "examples";

const parley = createClient<paths>({ baseUrl });

/** The answer's data, or the process ends with the server's words. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data !== undefined) return result.data;
  console.error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  process.exit(1);
}

// Register, or log in if the name is taken.
let signedIn = await parley.POST("/api/v1/auth/register", { body: { username, password } });
if (signedIn.response.status === 409) {
  signedIn = await parley.POST("/api/v1/auth/login", { body: { login: username, password } });
}
const session = ok(signedIn, "signing in");
console.log(`signed in as ${session.user.username} (#${session.user.id})`);
parley.use({
  onRequest: ({ request }) => {
    request.headers.set("authorization", `Bearer ${session.token}`);
    return request;
  },
});

// Create the room, or find and join it if it exists.
let room = (await parley.POST("/api/v1/rooms", { body: { name: roomName } })).data;
if (!room) {
  const found = ok(await parley.GET("/api/v1/public-rooms", { params: { query: { search: roomName } } }), "finding");
  const existing = found.items.find((r) => r.name?.toLowerCase() === roomName.toLowerCase());
  if (!existing) throw new Error(`no room "${roomName}", and it could not be created`);
  room = ok(await parley.POST("/api/v1/rooms/{roomId}/join", { params: { path: { roomId: existing.id } } }), "joining");
}
console.log(`in room "${room.name}" (#${room.id})`);

const text = process.argv[2] ?? `hello from the REST client at ${new Date().toISOString()}`;
const sent = ok(
  await parley.POST("/api/v1/rooms/{roomId}/messages", {
    params: { path: { roomId: room.id } },
    body: { text, clientId: crypto.randomUUID() },
  }),
  "sending",
);
console.log(`sent #${sent.seq}: ${sent.body}`);

const history = ok(
  await parley.GET("/api/v1/rooms/{roomId}/messages", {
    params: { path: { roomId: room.id }, query: { limit: 5 } },
  }),
  "reading history",
);
console.log("newest messages:");
for (const message of history.items)
  console.log(`  [${message.seq}] ${message.author?.username ?? "-"}: ${message.body}`);
