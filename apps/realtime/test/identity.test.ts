import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createDb, foldName, schema } from "@parley/db";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, Inbox } from "./clients";
import { LIMITS_LIFTED, type RunningServer, startRealtime } from "./processes";

type Frame = Record<string, unknown>;

/** A seed socket as wscat would be: its frames collected, and how it closed. */
async function seedSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames = new Inbox<Frame>();
  ws.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame));
  const closed = new Promise<[number, string]>((resolve) =>
    ws.once("close", (code, reason) => resolve([code, String(reason)])),
  );
  await once(ws, "open");
  return { ws, frames, closed, next: (check: (f: Frame) => boolean, what: string) => frames.take(check, what) };
}

/**
 * Built-in identities against a fresh realtime process (PostgreSQL): nothing a user names can
 * become the lobby, no tokenless socket hears a private room, and seed 004's `/chats/{name}` finds
 * people by the one folding rule.
 */
describe("identities a user cannot choose, on a fresh realtime instance", () => {
  let database: TestDatabase;
  let server: RunningServer;
  const ws = (path: string) => `${server.url.replace("http", "ws")}${path}`;
  const signUp = async (username = `u${randomBytes(4).toString("hex")}`) => {
    const session = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" });
    return { ...session, username, http: httpClient(server.url, session.token) };
  };

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      ...LIMITS_LIFTED,
      DATABASE_URL: database.url,
      JWT_SECRET: "an identity test secret, 32 bytes+",
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("a private room named Lobby, made before any /ws socket, is neither heard by tokenless listeners nor taken for the lobby", async () => {
    const eve = await signUp();
    // No user can create it now, in any spelling ...
    for (const name of ["Lobby", "lobby", "LOBBY"]) {
      const refused = await eve.http.rooms.create.mutate({ name, isPrivate: true }).catch((e: unknown) => e);
      expect(refused, name).toBeInstanceOf(TRPCClientError);
      expect((refused as { data?: { httpStatus?: number } }).data?.httpStatus).toBe(409);
    }
    // ... but a database from before could hold one: put it there, before any plain /ws socket.
    const { db, close } = await createDb({ databaseUrl: database.url, dataDir: "", poolMax: 1 });
    const [impostor] = await db
      .insert(schema.rooms)
      .values({ kind: "room", name: "Lobby", nameKey: foldName("Lobby"), isPrivate: true, ownerId: eve.user.id })
      .returning();
    await db.insert(schema.roomMembers).values({ roomId: impostor?.id ?? 0, userId: eve.user.id, role: "owner" });
    await close();

    const listener = await seedSocket(ws("/ws"));
    await listener.next((f) => f.type === "system" && f.content === "listening to the lobby", "the listening notice");
    const ann = await signUp();
    const signedIn = await seedSocket(ws(`/ws?token=${ann.token}`));
    const joined = await signedIn.next((f) => f.type === "system", "ann's own join notice in the lobby");
    expect(joined.room_id).not.toBe(impostor?.id);

    await eve.http.messages.send.mutate({ roomId: impostor?.id ?? 0, text: "private words" });
    signedIn.ws.send(JSON.stringify({ type: "message", content: "hello lobby" }));
    // The lobby's message arrives after the private one was stored and published: had the
    // listener followed the private room, it would have had that first.
    await listener.next((f) => f.content === "hello lobby", "the lobby's message on the tokenless socket");
    expect(listener.frames.items.map((f) => f.content)).not.toContain("private words");
    expect(await Promise.race([signedIn.closed, Promise.resolve("open")])).toBe("open");
    listener.ws.close();
    signedIn.ws.close();
  });

  it.each([
    ["İnci7", "İNCI7"],
    ["x7ΟΔΟΣ", "x7οδος"],
    ["Straße7", "STRASSE7"],
    ["Café7", "cafe\u03017"],
  ])("seed 004's /chats/{name} finds %s by its exact name and as %s", async (name, other) => {
    const tag = randomBytes(2).toString("hex");
    const peer = await signUp(`${name}${tag}`);
    const me = await signUp();
    for (const spelling of [`${name}${tag}`, `${other}${tag}`]) {
      const socket = await seedSocket(ws(`/chats/${encodeURIComponent(spelling)}`), {
        Authorization: `Bearer ${me.token}`,
      });
      socket.ws.send(`hi ${spelling}`);
      const peerSide = await seedSocket(ws(`/chats/${encodeURIComponent(me.username)}`), {
        Authorization: `Bearer ${peer.token}`,
      });
      const heard = await peerSide.next((f) => f.body === `hi ${spelling}`, `the message sent to ${spelling}`);
      expect(heard.from).toBe(me.username);
      socket.ws.close();
      peerSide.ws.close();
    }
  });
});
