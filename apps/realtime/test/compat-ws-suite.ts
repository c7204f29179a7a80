import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { claimsFor, forgedTokens, signJwt } from "@parley/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { followRoom, httpClient, Inbox, type ParleyClient, wsClient } from "./clients";
import type { RunningServer } from "./processes";

type Frame = Record<string, unknown>;

/** What the server says when the fault is its own: a bad frame must never be answered with it. */
const OUR_FAULT = /went wrong on our side/;

/** A seed client, as wscat would be: raw frames in, parsed frames collected. */
async function seedSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames = new Inbox<Frame>();
  ws.on("message", (data) => frames.push(JSON.parse(String(data)) as Frame));
  const closed = new Promise<[number, string]>((resolve) =>
    ws.once("close", (code, reason) => resolve([code, String(reason)])),
  );
  await once(ws, "open");
  return {
    ws,
    frames,
    closed,
    /** A text frame, or a binary one when given bytes. */
    send: (raw: string | Buffer) => ws.send(raw, { binary: typeof raw !== "string" }),
    /** Waits for a frame matching `check` among those not yet taken. */
    next: (check: (f: Frame) => boolean, what: string) => frames.take(check, what),
  };
}

type RawSocket = Awaited<ReturnType<typeof seedSocket>>;

/** Sends each frame and expects its error frame, in words and not as the server's own fault. */
async function refuse(socket: RawSocket, frames: [string | Buffer, RegExp][]) {
  for (const [raw, words] of frames) {
    const what = `${typeof raw === "string" ? "" : "binary "}${String(raw).slice(0, 60)}`;
    socket.send(raw);
    const error = await socket.next((f) => f.type === "error", `an error frame for ${what}`);
    expect(error.username, what).toBe("error");
    expect(String(error.content), what).toMatch(words);
    expect(String(error.content), what).not.toMatch(OUR_FAULT);
  }
}

/**
 * Signs in to tRPC over a raw WebSocket (by the token in `url`, or by `connectionParams`) and asks
 * who it is: "signed in", or the HTTP status of the refusal.
 */
async function trpcSignIn(url: string, paramsToken?: string): Promise<"signed in" | number> {
  const socket = await seedSocket(url);
  if (paramsToken) socket.send(JSON.stringify({ method: "connectionParams", data: { token: paramsToken } }));
  socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
  const answer = await socket.next((f) => f.id === 1 || f.id === null, "an answer to auth.me");
  socket.ws.close();
  const error = answer.error as { data?: { httpStatus?: number } } | undefined;
  return error ? (error.data?.httpStatus ?? 0) : "signed in";
}

/** What a WebSocket upgrade is answered with: the socket opens, or an HTTP status refuses it. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<"open" | number> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

/** A room's messages as one member's tRPC subscription receives them, after `lastSeq`. */
function heardIn(client: ParleyClient, roomId: number, lastSeq: number) {
  return followRoom(client, roomId, String(lastSeq)).inbox;
}

/**
 * Two Parleys sharing their data (two instances, or one process twice), the JWT_SECRET they sign
 * with (to forge tokens as only the server could), and how to stop them.
 */
export type ParleyPair = () => Promise<{
  a: RunningServer;
  b: RunningServer;
  jwtSecret: string;
  stop(): Promise<void>;
}>;

/**
 * Clients of every seed protocol, exactly as the READMEs show them, exchanging messages live with
 * each other and with tRPC; `pair` gives the instances they connect to (A and B).
 */
export function seedWsConformance(mode: string, pair: ParleyPair) {
  describe(`the seed WebSocket protocols (${mode})`, () => {
    let a: RunningServer;
    let b: RunningServer;
    let jwtSecret: string;
    let stop: () => Promise<void>;
    const ws = (server: RunningServer, path: string) => `${server.url.replace("http", "ws")}${path}`;

    beforeAll(async () => {
      ({ a, b, jwtSecret, stop } = await pair());
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
      // Both sockets follow the lobby until their join is done: ben's lobby notice may reach v1 first.
      const notice = await v1.next(
        (f) => f.type === "system" && f.room_id === room.id && String(f.content).includes(ben.username),
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

    it("seed 004 opens a busy conversation with its newest messages, past a replay's worth of reactions", async () => {
      const apm = await signUp();
      const popo = await signUp();
      const { room } = await apm.http.direct.open.mutate({ user: { username: popo.username } });
      const target = await popo.http.messages.send.mutate({ roomId: room.id, text: "react to this" });
      // More changes than a stream replays (RESUME_MAX_EVENTS, 1,000): each call a real change.
      const emoji = ["👍", "🎉", "❤️", "🚀", "👀", "✅"];
      for (let round = 0; round < 170; round++) {
        const call = round % 2 === 0 ? apm.http.messages.react : apm.http.messages.unreact;
        await Promise.all(emoji.map((e) => call.mutate({ messageId: target.id, emoji: e })));
      }
      await popo.http.messages.send.mutate({ roomId: room.id, text: "after the reactions" });
      const chat = await seedSocket(ws(a, `/chats/${popo.username}`), { Authorization: `Bearer ${apm.token}` });
      expect(await chat.next((f) => f.body === "after the reactions", "the newest message")).toMatchObject({
        from: popo.username,
      });
      chat.ws.close();
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

    it("refuses bad frames on every seed protocol in words: nothing stored or broadcast, the socket goes on", async () => {
      const ann = await signUp();
      const ben = await signUp();
      const secret = await ann.http.rooms.create.mutate({
        name: `sweep-${randomBytes(3).toString("hex")}`,
        isPrivate: true,
      });
      await ann.http.invites.create.mutate({ roomId: secret.id, user: { userId: ben.user.id } });
      const { room: dm } = await ann.http.direct.open.mutate({ user: { userId: ben.user.id } });

      // Ben, a member, on every protocol: 003 in the lobby, 000 and 001 in the private room, 002
      // for it, 004 with ann. Ann follows each room over tRPC from where it is now.
      const v3 = await seedSocket(ws(a, "/ws"), { Authorization: `Bearer ${ben.token}` });
      const notice = await v3.next((f) => String(f.content).includes(ben.username), "ben's lobby notice");
      const lobbyId = notice.room_id as number;
      await ann.http.rooms.join.mutate({ roomId: lobbyId });
      const v0 = await seedSocket(ws(a, `/ws?token=${ben.token}`));
      v0.send(JSON.stringify({ type: "join", content: String(secret.id) }));
      const v1 = await seedSocket(ws(b, `/ws?token=${ben.token}`));
      v1.send(JSON.stringify({ Type: "enter", RoomID: secret.id }));
      const v2 = await seedSocket(ws(b, `/ws?jwt=${ben.token}&room_id=${secret.id}`));
      const v4 = await seedSocket(ws(a, `/chats/${ann.username}`), { Authorization: `Bearer ${ben.token}` });
      const annWs = wsClient(b.url, ann.token);
      const since = new Map<number, number>();
      for (const id of [secret.id, dm.id, lobbyId])
        since.set(id, (await ann.http.rooms.get.query({ roomId: id })).lastSeq);
      const heard = (id: number) => heardIn(annWs.client, id, since.get(id) ?? 0);
      const [inSecret, inDm, inLobby] = [heard(secret.id), heard(dm.id), heard(lobbyId)];

      const notFrames: [string | Buffer, RegExp][] = [
        ["{", /not a frame/],
        ["hello", /not a frame/],
        ["[]", /not a frame/],
        ["null", /not a frame/],
        ["42", /not a frame/],
        [Buffer.from('{"type":"message","content":"polluted","chatMessage":"polluted"}'), /binary/],
        ['{"__proto__":{"type":"message","content":"polluted","chatmessage":"polluted"}}', /not a frame/],
        ['{"constructor":{"type":"message","content":"polluted","chatmessage":"polluted"}}', /not a frame/],
      ];
      const badTexts: [unknown, RegExp][] = [
        ["", /empty/],
        [" \n\t ", /empty/],
        ["x".repeat(4001), /4000/],
        ["a\u0000b", /NUL/],
        ["broken \ud800 half", /surrogate/],
        [42, /string/],
        [["x"], /string/],
        [{ text: "x" }, /string/],
      ];
      const badIds = ["abc", "", "-1", [secret.id], -1, 1.5, 2 ** 40, true, null];
      const idWords = /number|positive|whole|at most/;
      await refuse(v0, [
        ...notFrames,
        ...badTexts.map(([text, words]): [string, RegExp] => [
          JSON.stringify({ type: "message", content: text }),
          words,
        ]),
        ['{"type":5,"content":"typed"}', /unknown frame type/],
        ...badIds.map((id): [string, RegExp] => [JSON.stringify({ type: "join", content: id }), idWords]),
      ]);
      await refuse(v1, [
        ...notFrames,
        ...badTexts.map(([text, words]): [string, RegExp] => [JSON.stringify({ Type: "message", Text: text }), words]),
        ...badIds.map((id): [string, RegExp] => [JSON.stringify({ Type: "enter", RoomID: id }), idWords]),
      ]);
      await refuse(v2, [
        ...notFrames,
        ...badTexts.map(([text, words]): [string, RegExp] => [
          JSON.stringify({ chatRoomId: secret.id, chatMessage: text }),
          words,
        ]),
        ...badIds.map((id): [string, RegExp] => [JSON.stringify({ chatRoomId: id, chatMessage: "x" }), idWords]),
        [JSON.stringify({ chatRoomId: lobbyId, chatMessage: "elsewhere" }), /this socket is for room/],
      ]);
      // Seeds 003 and 004 take any text as a message (docs/compatibility.md), so only what no message may be is refused.
      const badRawTexts: [string | Buffer, RegExp][] = [
        ["", /empty/],
        [" \n\t ", /empty/],
        ["x".repeat(4001), /4000/],
        ["a\u0000b", /NUL/],
        [Buffer.from("binary hello"), /binary/],
      ];
      await refuse(v3, [...badRawTexts, [JSON.stringify({ type: "message", content: "\ud800" }), /surrogate/]]);
      await refuse(v4, badRawTexts);

      // Every socket still works, and what each room's member hears first is its marker.
      v0.send(JSON.stringify({ type: "message", content: "marker 000" }));
      await inSecret.waitFor((all) => all.length >= 1, "the private room's first message");
      v1.send(JSON.stringify({ Type: "message", Text: "marker 001" }));
      await inSecret.waitFor((all) => all.length >= 2, "its second");
      v2.send(JSON.stringify({ chatRoomId: secret.id, chatMessage: "marker 002" }));
      await inSecret.waitFor((all) => all.length >= 3, "its third");
      v3.send("marker 003");
      await inLobby.waitFor((all) => all.length >= 1, "the lobby's first message");
      v4.send("marker 004");
      await inDm.waitFor((all) => all.length >= 1, "the direct conversation's first message");
      const expected: [number, string[]][] = [
        [secret.id, ["marker 000", "marker 001", "marker 002"]],
        [lobbyId, ["marker 003"]],
        [dm.id, ["marker 004"]],
      ];
      expect([inSecret, inLobby, inDm].map((inbox) => inbox.items.map((m) => m.body))).toEqual(
        expected.map(([, texts]) => texts),
      );
      for (const [roomId, texts] of expected) {
        const stored = await ann.http.history.list.query({ roomId, after: since.get(roomId) });
        expect(stored.items.map((m) => m.body)).toEqual(texts);
      }

      // A frame bigger than any message closes the socket (1009), as does a text frame that is not
      // UTF-8 (1007: how a lone surrogate would come as raw text); nothing is stored.
      v2.send("x".repeat(70 * 1024));
      expect((await v2.closed)[0]).toBe(1009);
      v4.ws.send(Buffer.from("a lone \xed\xa0\x80", "latin1"), { binary: false });
      expect((await v4.closed)[0]).toBe(1007);
      await ann.http.messages.send.mutate({ roomId: secret.id, text: "after the closes" });
      await ann.http.messages.send.mutate({ roomId: dm.id, text: "after the closes" });
      await inSecret.waitFor((all) => all.length >= 4, "the private room's next message");
      await inDm.waitFor((all) => all.length >= 2, "the direct conversation's next message");
      expect(inSecret.items.at(-1)?.body).toBe("after the closes");
      expect(inDm.items.at(-1)?.body).toBe("after the closes");
      expect(await upgrade(ws(b, `/chats/${ann.username}`), { Authorization: `Bearer ${ben.token}` })).toBe("open");
      for (const s of [v0, v1, v3]) s.ws.close();
      annWs.ws.close();
    });

    it("refuses to open a direct conversation with nobody, oneself, or a name that cannot be one", async () => {
      const eve = await signUp();
      const cases: [string, RegExp][] = [
        [`/chats/nobody-${randomBytes(3).toString("hex")}`, /user was not found/],
        [`/chats/${eve.username}`, /yourself/],
        ["/chats/a%00b", /NUL/],
        ["/chats/%E0%A4%A", /percent-encoding/],
      ];
      for (const [path, words] of cases) {
        const chat = await seedSocket(ws(a, path), { Authorization: `Bearer ${eve.token}` });
        const error = await chat.next((f) => f.type === "error", `the refusal of ${path}`);
        expect(String(error.content), path).toMatch(words);
        expect(String(error.content), path).not.toMatch(OUR_FAULT);
        expect((await chat.closed)[0], path).toBe(1008);
      }
      expect(await eve.http.direct.list.query()).toEqual([]);
    });

    it("keeps a private room and a direct conversation to their members on tRPC, REST and every seed protocol", async () => {
      const ann = await signUp();
      const ben = await signUp();
      const eve = await signUp();
      const secret = await ann.http.rooms.create.mutate({
        name: `authz-${randomBytes(3).toString("hex")}`,
        isPrivate: true,
      });
      const { room: dm } = await ann.http.direct.open.mutate({ user: { userId: ben.user.id } });
      const hidden = [secret.id, dm.id];
      const annWs = wsClient(a.url, ann.token);
      const heard = [];
      for (const roomId of hidden) {
        const { seq } = await ann.http.messages.send.mutate({ roomId, text: "hush" });
        heard.push(heardIn(annWs.client, roomId, seq));
      }

      // tRPC over HTTP and over WebSocket: reads, sends, joins, and subscriptions replaying from the start.
      const eveWs = wsClient(b.url, eve.token);
      const notFound = { data: { code: "NOT_FOUND" } };
      for (const client of [eve.http, eveWs.client]) {
        for (const roomId of hidden) {
          await expect(client.history.list.query({ roomId })).rejects.toMatchObject(notFound);
          await expect(client.messages.send.mutate({ roomId, text: "let me in" })).rejects.toMatchObject(notFound);
          await expect(client.rooms.join.mutate({ roomId })).rejects.toMatchObject(notFound);
          await expect(client.rooms.members.query({ roomId })).rejects.toMatchObject(notFound);
        }
      }
      for (const roomId of hidden) {
        const { inbox } = followRoom(eveWs.client, roomId, "0");
        await inbox.waitFor(() => inbox.error !== null, "the subscription to be refused");
        expect(String(inbox.error)).toMatch(/room was not found/);
        expect(inbox.items).toEqual([]);
      }

      // REST.
      for (const roomId of hidden) {
        for (const [method, path, body] of [
          ["GET", `/messages/${roomId}?last_id=0`],
          ["GET", `/messages/${roomId}`, '{"LastID":0}'],
          ["POST", `/messages/${roomId}`, '{"text":"let me in"}'],
          ["PUT", "/join", `{"room_id":${roomId}}`],
          ["GET", `/room/${roomId}`],
        ] as const) {
          const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
            // node:http, not fetch: seed 001 sends its LastID as a GET body (with its length, as curl does).
            const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
            const headers = { authorization: eve.token, ...length };
            const request = httpRequest(`${a.url}${path}`, { method, headers }, (res) => {
              let text = "";
              res.on("data", (chunk: Buffer) => {
                text += chunk.toString();
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
            });
            request.on("error", reject);
            request.end(body);
          });
          expect(response.status, `${method} ${path}`).toBe(404);
          expect(response.text).toMatch(/room was not found/);
        }
      }

      // Seeds 000 and 001 on one socket, which stays in the lobby, and seed 002 with the room in its URL.
      const v = await seedSocket(ws(b, `/ws?token=${eve.token}`));
      for (const roomId of hidden) {
        await refuse(v, [
          [JSON.stringify({ type: "join", content: String(roomId) }), /room was not found/],
          [JSON.stringify({ Type: "enter", RoomID: roomId }), /room was not found/],
          [JSON.stringify({ chatRoomId: roomId, chatMessage: "let me in" }), /this socket is for room/],
        ]);
        const v2 = await seedSocket(ws(a, `/ws?jwt=${eve.token}&room_id=${roomId}`));
        expect(String((await v2.next((f) => f.type === "error", "the refusal")).content)).toMatch(/room was not found/);
        expect((await v2.closed)[0]).toBe(1008);
        expect(v2.frames.items).toEqual([]); // nothing else: no replay
      }
      v.send(JSON.stringify({ type: "message", content: "said after the refusals" }));
      const said = await v.next((f) => f.content === "said after the refusals", "eve's message, in the lobby");
      expect(hidden).not.toContain(said.room_id);
      v.ws.close();

      // Without a token, nobody enters anything.
      const anonymous = await seedSocket(ws(a, `/ws?room_id=${secret.id}`));
      expect(String((await anonymous.next((f) => f.type === "error", "the refusal")).content)).toMatch(/sign in/);
      expect((await anonymous.closed)[0]).toBe(1008);
      const listener = await seedSocket(ws(b, "/ws"));
      await listener.next((f) => f.content === "listening to the lobby", "the listener is subscribed");
      await refuse(listener, [[JSON.stringify({ type: "join", content: String(secret.id) }), /sign in/]]);
      listener.ws.close();

      // Ann's tRPC subscriptions heard nothing before her marker, and nothing more was stored.
      for (const roomId of hidden) await ann.http.messages.send.mutate({ roomId, text: "marker" });
      for (const inbox of heard) {
        await inbox.waitFor((all) => all.length >= 1, "the marker");
        expect(inbox.items.map((m) => m.body)).toEqual(["marker"]);
      }
      for (const roomId of hidden) {
        expect((await ann.http.history.list.query({ roomId })).items.map((m) => m.body)).toEqual(["marker", "hush"]);
      }
      annWs.ws.close();
      eveWs.ws.close();
    });

    it("refuses forged, expired, unsigned and re-signed tokens on every seed upgrade, on REST and on tRPC", async () => {
      const ann = await signUp();
      const ben = await signUp();
      const room = await ann.http.rooms.create.mutate({ name: `tokens-${randomBytes(3).toString("hex")}` });
      const attempts = (token: string) => [
        upgrade(ws(a, `/ws?token=${token}`)),
        upgrade(ws(b, `/ws?jwt=${token}&room_id=${room.id}`)),
        upgrade(ws(a, "/ws"), { Authorization: `Bearer ${token}` }),
        upgrade(ws(b, `/chats/${ben.username}`), { Authorization: `Bearer ${token}` }),
        fetch(`${a.url}/profile`, { headers: { Authorization: token } }).then((r) => r.status),
        fetch(`${b.url}/messages/${room.id}?last_id=0`, { headers: { Authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        ),
        fetch(`${a.url}/trpc/auth.me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status),
        trpcSignIn(ws(b, `/trpc?token=${token}`)),
        trpcSignIn(ws(a, "/trpc?connectionParams=1"), token),
      ];
      // Ann's claims signed as the server signs them pass everywhere: the refusals below are the forgeries'.
      const genuine = signJwt({ alg: "HS256", typ: "JWT" }, claimsFor(ann.user.id), jwtSecret);
      expect(await Promise.all(attempts(genuine))).toEqual([
        "open",
        "open",
        "open",
        "open",
        200,
        200,
        200,
        "signed in",
        "signed in",
      ]);
      for (const [what, token] of Object.entries(forgedTokens(jwtSecret, ann.user.id, ben.token))) {
        expect(await Promise.all(attempts(token)), what).toEqual(Array(9).fill(401));
      }
    });
    it("writes and broadcasts under the name a user has now, on sockets opened before a rename (PUT /change-name)", async () => {
      const ann = await signUp();
      const ben = await signUp();
      const room = await ann.http.rooms.create.mutate({ name: `rn-${randomBytes(3).toString("hex")}` });
      const listener = await seedSocket(ws(b, `/ws?token=${ann.token}`)); // a seed 000 member on B
      listener.send(JSON.stringify({ type: "join", content: String(room.id) }));
      await listener.next((f) => f.type === "system" && String(f.content).includes(ann.username), "ann's join notice");
      // Ben's sockets open under his old name: a seed 000 socket on A, a tRPC socket on B.
      const seed = await seedSocket(ws(a, `/ws?token=${ben.token}`));
      seed.send(JSON.stringify({ type: "join", content: String(room.id) }));
      await listener.next((f) => f.type === "system" && String(f.content).includes(ben.username), "ben's join notice");
      const trpc = wsClient(b.url, ben.token);
      expect((await trpc.client.auth.me.query()).username).toBe(ben.username);
      const heard = new Inbox<{ author: string | null; body: string }>();
      const subscription = wsClient(a.url, ann.token).client.events.room.subscribe(
        { roomId: room.id, lastEventId: String((await ann.http.rooms.get.query({ roomId: room.id })).lastSeq) },
        {
          onData: ({ data }) =>
            data.type === "message"
              ? heard.push({ author: data.message.author?.username ?? null, body: data.message.body })
              : undefined,
        },
      );

      const renamed = `${ben.username}n`;
      const answer = await fetch(`${b.url}/change-name`, {
        method: "PUT",
        headers: { Authorization: ben.token, "Content-Type": "application/json" },
        body: JSON.stringify({ username: renamed }),
      });
      expect(answer.status).toBe(200);
      seed.send(JSON.stringify({ type: "message", content: "from the seed socket" }));
      await heard.waitFor((items) => items.some((m) => m.body === "from the seed socket"), "the seed socket's message");
      await trpc.client.messages.send.mutate({ roomId: room.id, text: "from the trpc socket" });
      seed.send(JSON.stringify({ type: "leave" }));

      const expected = [
        [null, `${ben.username} is now known as ${renamed}`],
        [renamed, "from the seed socket"],
        [renamed, "from the trpc socket"],
        [null, `${renamed} left the room`],
      ];
      await heard.waitFor((items) => items.length >= 4, "the rename, two messages and the leave");
      expect(heard.items.map((m) => [m.author, m.body])).toEqual(expected); // live, over tRPC
      const live = await listener.frames.waitFor(
        (frames) => frames.some((f) => f.content === `${renamed} left the room`),
        "the leave notice",
      );
      expect(live.filter((f) => f.type === "message").map((f) => [f.username, f.content])).toEqual([
        [renamed, "from the seed socket"],
        [renamed, "from the trpc socket"],
      ]); // live, over a seed socket
      const history = await ann.http.history.list.query({ roomId: room.id, limit: 4 });
      expect(history.items.reverse().map((m) => [m.author?.username ?? null, m.body])).toEqual(expected);
      subscription.unsubscribe();
      for (const socket of [listener, seed]) socket.ws.close();
      trpc.ws.close();
    });
  });
}
