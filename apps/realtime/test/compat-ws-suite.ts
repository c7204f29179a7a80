import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, Inbox, wsClient } from "./clients";
import type { RunningServer } from "./processes";

type Frame = Record<string, unknown>;

/** A seed client, as wscat would be: raw frames in, parsed frames collected. */
async function seedSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames = new Inbox<Frame>();
  ws.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame));
  await once(ws, "open");
  return {
    ws,
    frames,
    send: (raw: string) => ws.send(raw),
    /** Waits for a frame matching `check` among those not yet taken. */
    async next(check: (f: Frame) => boolean, what: string) {
      const items = await frames.waitFor((all) => all.some(check), what);
      const index = items.findIndex(check);
      return items.splice(index, 1)[0] as Frame;
    },
  };
}

/** Two Parleys sharing their data (two instances, or one process twice), and how to stop them. */
export type ParleyPair = () => Promise<{ a: RunningServer; b: RunningServer; stop(): Promise<void> }>;

/**
 * Clients of every seed protocol, exactly as the READMEs show them, exchanging messages live with
 * each other and with tRPC; `pair` gives the instances they connect to (A and B).
 */
export function seedWsConformance(mode: string, pair: ParleyPair) {
  describe(`the seed WebSocket protocols (${mode})`, () => {
    let a: RunningServer;
    let b: RunningServer;
    let stop: () => Promise<void>;
    const ws = (server: RunningServer, path: string) => `${server.url.replace("http", "ws")}${path}`;

    beforeAll(async () => {
      ({ a, b, stop } = await pair());
    });
    afterAll(() => stop?.());

    const signUp = async (username = `u${randomBytes(4).toString("hex")}`) => {
      const session = await httpClient(a.url).auth.register.mutate({ username, password: "pw-pw-pw" });
      return { ...session, username, http: httpClient(a.url, session.token) };
    };

    it("seed 000 on A and seed 001 on B talk in one room, with notices from the system user, and tRPC hears both", async () => {
      const ann = await signUp();
      const ben = await signUp();
      const room = await ann.http.rooms.create.mutate({ name: `ws-${randomBytes(3).toString("hex")}` });
      const trpc = wsClient(b.url, ann.token);
      const heard = new Inbox<string>();
      trpc.client.events.room.subscribe(
        { roomId: room.id, lastEventId: String(room.lastSeq) }, // from the start: no race with the first frames
        { onData: ({ data }) => (data.type === "message" ? heard.push(data.message.body) : undefined) },
      );

      const v1 = await seedSocket(ws(a, `/ws?token=${ann.token}`));
      v1.send(JSON.stringify({ type: "join", content: String(room.id) }));
      const v2 = await seedSocket(ws(b, `/ws?token=${ben.token}`));
      v2.send(JSON.stringify({ Type: "enter", RoomID: room.id }));
      const notice = await v1.next(
        (f) => f.type === "system" && String(f.content).includes(ben.username),
        "ben's join notice",
      );
      expect(notice).toMatchObject({ username: "system", room_id: room.id });

      v1.send(JSON.stringify({ type: "message", content: "hello from seed 000" }));
      expect(await v2.next((f) => f.Text === "hello from seed 000", "000's message on 001")).toMatchObject({
        Type: "message",
        RoomID: room.id,
        Username: ann.username,
      });
      v2.send(JSON.stringify({ Type: "message", Text: "hello from seed 001" }));
      expect(await v1.next((f) => f.content === "hello from seed 001", "001's message on 000")).toMatchObject({
        type: "message",
        username: ben.username,
      });
      await ann.http.messages.send.mutate({ roomId: room.id, text: "hello from tRPC" });
      await v1.next((f) => f.content === "hello from tRPC", "tRPC's message on 000");
      await v2.next((f) => f.Text === "hello from tRPC", "tRPC's message on 001");
      await heard.waitFor(
        (all) => ["hello from seed 000", "hello from seed 001", "hello from tRPC"].every((t) => all.includes(t)),
        "all three over tRPC",
      );
      const history = await ann.http.history.list.query({ roomId: room.id, limit: 10 });
      expect(history.items.map((m) => m.body)).toContain("hello from seed 001");

      v2.send(JSON.stringify({ Type: "enter", RoomID: 0 }));
      await v1.next((f) => f.type === "system" && String(f.content).includes("left"), "ben's leave notice");
      for (const s of [v1, v2]) s.ws.close();
      trpc.ws.close();
    });

    it("seed 002 follows the room in its URL and sends chatMessage frames", async () => {
      const ann = await signUp();
      const room = await ann.http.rooms.create.mutate({ name: `v2-${randomBytes(3).toString("hex")}` });
      const ben = await signUp();
      const trpc = wsClient(a.url, ann.token);
      const heard = new Inbox<string>();
      trpc.client.events.room.subscribe(
        { roomId: room.id, lastEventId: String(room.lastSeq) },
        { onData: ({ data }) => (data.type === "message" ? heard.push(data.message.body) : undefined) },
      );
      const client = await seedSocket(ws(b, `/ws?jwt=${ann.token}&room_id=${room.id}`));
      const v0 = await seedSocket(ws(a, `/ws?token=${ben.token}`)); // a seed 000 client in the same room
      v0.send(JSON.stringify({ type: "join", content: String(room.id) }));
      await v0.next((f) => f.type === "system" && String(f.content).includes(ben.username), "its own join notice");
      client.send(JSON.stringify({ chatRoomId: room.id, chatMessage: "from seed 002" }));
      expect(await client.next((f) => f.chatMessage === "from seed 002", "its own message")).toMatchObject({
        chatRoomId: room.id,
      });
      await v0.next((f) => f.content === "from seed 002", "002's message on 000");
      v0.send(JSON.stringify({ type: "message", content: "from seed 000" }));
      await client.next((f) => f.chatMessage === "from seed 000", "000's message on 002");
      await ann.http.messages.send.mutate({ roomId: room.id, text: "to seed 002" });
      await client.next((f) => f.chatMessage === "to seed 002", "a message from tRPC");
      await heard.waitFor((all) => ["from seed 002", "from seed 000"].every((t) => all.includes(t)), "both over tRPC");
      for (const c of [client, v0]) c.ws.close();
      trpc.ws.close();
    });

    it("seed 003 broadcasts to everyone on /ws through the lobby, listeners need no token", async () => {
      const ann = await signUp();
      const listener = await seedSocket(ws(b, "/ws"));
      await listener.next((f) => f.content === "listening to the lobby", "the listener is subscribed");
      const speaker = await seedSocket(ws(a, "/ws"), { Authorization: `Bearer ${ann.token}` });
      await speaker.next((f) => f.type === "system", "the speaker's own join notice");
      speaker.send("hello everyone");
      expect(await listener.next((f) => f.content === "hello everyone", "the broadcast")).toMatchObject({
        username: ann.username,
      });
      // The lobby is a public room like any other: a seed 001 client can enter it by its id.
      const { items } = await ann.http.rooms.public.query({ search: "lobby" });
      const lobby = items.find((r) => r.name === "lobby");
      const v1 = await seedSocket(ws(a, `/ws?token=${ann.token}`));
      v1.send(JSON.stringify({ Type: "enter", RoomID: lobby?.id }));
      v1.send(JSON.stringify({ Type: "message", Text: "from seed 001 in the lobby" }));
      expect(await listener.next((f) => f.content === "from seed 001 in the lobby", "001 in the lobby")).toMatchObject({
        username: ann.username,
      });
      v1.ws.close();
      listener.send("anonymous words");
      expect(await listener.next((f) => f.type === "error", "an error frame")).toMatchObject({ username: "error" });
      for (const s of [listener, speaker]) s.ws.close();
    });

    it("seed 004 opens a direct conversation at /chats/{username}: raw text in, {from, body, sent_at} out", async () => {
      const apm = await signUp();
      const popo = await signUp();
      const apmSide = await seedSocket(ws(a, `/chats/${popo.username}`), { Authorization: `Bearer ${apm.token}` });
      const popoSide = await seedSocket(ws(b, `/chats/${apm.username}`), { Authorization: `Bearer ${popo.token}` });
      apmSide.send("hello world!");
      const received = await popoSide.next((f) => f.body === "hello world!", "the direct message");
      expect(received).toEqual({ from: apm.username, body: "hello world!", sent_at: expect.any(Number) });
      expect(Math.abs((received.sent_at as number) - Date.now() / 1000)).toBeLessThan(60);
      const conversations = await popo.http.direct.list.query();
      expect(conversations.map((c) => c.peer.username)).toEqual([apm.username]);
      const dm = conversations[0]?.room.id ?? 0;

      // The same conversation through seed 001 frames and through tRPC.
      const heard = new Inbox<string>();
      const trpc = wsClient(a.url, apm.token);
      trpc.client.events.room.subscribe(
        { roomId: dm, lastEventId: "0" },
        { onData: ({ data }) => (data.type === "message" ? heard.push(data.message.body) : undefined) },
      );
      const v1 = await seedSocket(ws(b, `/ws?token=${popo.token}`));
      v1.send(JSON.stringify({ Type: "enter", RoomID: dm }));
      v1.send(JSON.stringify({ Type: "message", Text: "from seed 001" }));
      expect(await apmSide.next((f) => f.body === "from seed 001", "001's message on 004")).toMatchObject({
        from: popo.username,
      });
      await heard.waitFor((all) => ["hello world!", "from seed 001"].every((t) => all.includes(t)), "both over tRPC");
      for (const s of [apmSide, popoSide, v1]) s.ws.close();
      trpc.ws.close();
    });

    it("answers bad frames from the error user, keeps the connection, and stores nothing", async () => {
      const ann = await signUp();
      const eve = await signUp();
      const secret = await ann.http.rooms.create.mutate({
        name: `secret-${randomBytes(3).toString("hex")}`,
        isPrivate: true,
      });
      const client = await seedSocket(ws(a, `/ws?token=${eve.token}`));
      const errors = [
        ['{"type":"join","content":"abc"}', /number/],
        [JSON.stringify({ type: "join", content: String(secret.id) }), /room was not found/],
        ['{"type":"message","content":""}', /empty|join a room/],
        ['{"type":"dance"}', /unknown frame type/],
        [JSON.stringify({ type: "message", content: "x".repeat(5000) }), /4000|join a room/],
      ] as const;
      for (const [raw, words] of errors) {
        client.send(raw);
        const error = await client.next((f) => f.type === "error", `an error for ${raw.slice(0, 40)}`);
        expect(error).toMatchObject({ username: "error" });
        expect(String(error.content)).toMatch(words);
      }
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
      const history = await ann.http.history.list.query({ roomId: secret.id });
      expect(history.items).toEqual([]);
      const refused = new WebSocket(ws(a, "/ws?token=not-a-token"));
      const [, response] = await once(refused, "unexpected-response");
      expect((response as { statusCode: number }).statusCode).toBe(401);
      client.ws.close();
    });
  });
}
