import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { followRoom, httpClient, Inbox, type ParleyClient, wsClient } from "./clients";
import { presenceAcrossInstances } from "./presence-round";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

const SECRET = "a scaled-mode test secret, 32 bytes or more";

/** Two realtime instances (and their HTTP API) on one PostgreSQL and a Redis of the test's own. */
describe("scaled mode: realtime instances A and B on PostgreSQL and Redis", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let a: RunningServer;
  let b: RunningServer;
  const env = () => ({
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
    JWT_SECRET: SECRET,
    SESSION_CHECK_MS: "60000", // a logout must close sockets by its announcement, not the periodic check
  });
  let shared: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    shared = env();
    [a, b] = await Promise.all([startRealtime(shared), startRealtime({ ...shared, WS_MAX_BUFFERED_BYTES: "65536" })]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.dispose();
  });

  async function signUp(server: RunningServer) {
    const anonymous = httpClient(server.url);
    const session = await anonymous.auth.register.mutate({
      username: `u${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    return { ...session, http: httpClient(server.url, session.token) };
  }

  async function roomWith(owner: { http: ParleyClient }, isPrivate = false) {
    return owner.http.rooms.create.mutate({ name: `r-${randomBytes(4).toString("hex")}`, isPrivate });
  }

  it("delivers to a subscriber on B, in order, messages sent over HTTP and over WebSocket on A", async () => {
    const sender = await signUp(a);
    const room = await roomWith(sender);
    const reader = await signUp(a);
    await reader.http.rooms.join.mutate({ roomId: room.id });

    const onB = wsClient(b.url, reader.token);
    const { inbox, stop } = followRoom(onB.client, room.id, String(room.lastSeq + 1));
    const onA = wsClient(a.url, sender.token);
    await sender.http.messages.send.mutate({ roomId: room.id, text: "over http" });
    await onA.client.messages.send.mutate({ roomId: room.id, text: "over websocket" });
    await inbox.waitFor((items) => items.length >= 2, "two messages");
    expect(inbox.items.map((m) => m.body)).toEqual(["over http", "over websocket"]);
    expect(inbox.items.map((m) => m.seq)).toEqual([2, 3]);
    stop();
    onA.ws.close();
    onB.ws.close();
  });

  it("sends every subscription of a room each message once, in order, in frames naming its own id, whatever ids the subscriptions chose", async () => {
    const sender = await signUp(a);
    const room = await roomWith(sender);
    const readers = await Promise.all([signUp(a), signUp(b)]);
    for (const reader of readers) await reader.http.rooms.join.mutate({ roomId: room.id });
    // On each instance: sockets whose room subscriptions share an id, one with another id, and one
    // socket with two subscriptions to the room (ids 7 and "s-8").
    const ids: (number | string)[][] = [[1], [1], ["sub-3"], [7, "s-8"]];
    const sockets = readers.flatMap((reader, i) =>
      ids.map((mine) => {
        const server = i === 0 ? a : b;
        const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${reader.token}`);
        const frames = new Inbox<{ id: number | string; result: { type: string; id?: string; data?: unknown } }>();
        socket.on("message", (data) => {
          const text = String(data);
          if (text === "PING") socket.send("PONG");
          else frames.push(JSON.parse(text));
        });
        return { socket, frames, mine };
      }),
    );
    for (const { socket, frames, mine } of sockets) {
      if (socket.readyState !== WebSocket.OPEN) await once(socket, "open");
      for (const id of mine) {
        const input = { roomId: room.id };
        socket.send(JSON.stringify({ id, method: "subscription", params: { path: "events.room", input } }));
      }
      await frames.waitFor(
        (all) => mine.every((id) => all.some((f) => f.id === id && JSON.stringify(f).includes('"type":"live"'))),
        "every subscription live",
      );
    }
    // Sent all at once: many reach an instance in one read from Redis, and leave in one write.
    const bodies = Array.from({ length: 40 }, (_, i) => `burst ${i}`);
    const sent = await Promise.all(bodies.map((text) => sender.http.messages.send.mutate({ roomId: room.id, text })));
    const seqs = sent.map((m) => m.seq).sort((x, y) => x - y);
    for (const { frames, mine } of sockets) {
      for (const id of mine) {
        const messages = () =>
          frames.items.filter(
            (f) =>
              f.id === id &&
              (
                f.result?.data as { data?: { type?: string; message?: { body?: string } } }
              )?.data?.message?.body?.startsWith("burst"),
          );
        await frames.waitFor(() => messages().length >= bodies.length, `every message on subscription ${id}`);
        const heard = messages().map((f) => {
          const tracked = f.result as {
            id: string;
            data: { id: string; data: { message: { seq: number; body: string } } };
          };
          expect(tracked.id).toBe(tracked.data.id); // tRPC's tracked event: its id twice
          expect(tracked.data.data.message.seq).toBe(Number(tracked.id));
          return tracked.data.data.message.seq;
        });
        expect(heard).toEqual(seqs);
      }
    }
    for (const { socket } of sockets) socket.close();
  });

  it("keeps out non-members: no subscription, no replay", async () => {
    const owner = await signUp(a);
    const secret = await roomWith(owner, true);
    await owner.http.messages.send.mutate({ roomId: secret.id, text: "hush" });
    const stranger = await signUp(b);
    const onB = wsClient(b.url, stranger.token);
    const { inbox } = followRoom(onB.client, secret.id, "0");
    await inbox.waitFor(() => inbox.error !== null, "the subscription to fail");
    expect(String(inbox.error)).toMatch(/room was not found/);
    expect(inbox.items).toEqual([]);
    onB.ws.close();
  });

  it("closes a token's sockets on both instances when it logs out", async () => {
    const user = await signUp(a);
    const sockets = await Promise.all(
      [a, b].map(
        (server) =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${user.token}`);
            socket.once("open", () => resolve(socket));
            socket.once("error", reject);
          }),
      ),
    );
    // One answered request each: the connection has authenticated and is watched.
    for (const socket of sockets) {
      socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
      const [answer] = await once(socket, "message");
      expect(String(answer)).toContain(user.user.username);
    }
    const closes = sockets.map((socket) => once(socket, "close").then(([code, reason]) => [code, String(reason)]));
    await user.http.auth.logout.mutate();
    expect(await Promise.all(closes)).toEqual([
      [4401, "token revoked"],
      [4401, "token revoked"],
    ]);
  });

  it("closes a user's sockets on both instances when the password changes, but not the new session's", async () => {
    const user = await signUp(a);
    const open = (server: RunningServer, token: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${token}`);
        socket.once("open", () => resolve(socket));
        socket.once("error", reject);
      });
    const answered = async (socket: WebSocket) => {
      socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
      const [answer] = await once(socket, "message");
      return String(answer);
    };
    const old = await Promise.all([open(a, user.token), open(b, user.token)]);
    for (const socket of old) expect(await answered(socket)).toContain(user.user.username);
    const closes = old.map((socket) => once(socket, "close").then(([code, reason]) => [code, String(reason)]));

    const renewed = await user.http.auth.changePassword.mutate({
      currentPassword: "pw-pw-pw",
      newPassword: "new-pw-pw",
    });
    expect(await Promise.all(closes)).toEqual([
      [4401, "password changed"],
      [4401, "password changed"],
    ]);
    const fresh = await open(b, renewed.token);
    expect(await answered(fresh)).toContain(user.user.username);
    fresh.close();
  });

  it("shows a user connected on B as online to a watcher on A, away when idle, offline once gone", async () => {
    await presenceAcrossInstances(a, b);
  });

  it("refuses bad connectionParams, frames that are no request and bad input over WebSocket: nothing stored or broadcast", async () => {
    const user = await signUp(a);
    const room = await roomWith(user);
    const reader = await signUp(b);
    await reader.http.rooms.join.mutate({ roomId: room.id });
    const { lastSeq } = await user.http.rooms.get.query({ roomId: room.id });
    const onB = wsClient(b.url, reader.token);
    const { inbox: heard } = followRoom(onB.client, room.id, String(lastSeq));
    const url = `${a.url.replace("http", "ws")}/trpc`;
    type Reply = { id: number | null; result?: unknown; error?: { message: string; data: { code: string } } };
    const rawSocket = async (path: string) => {
      const socket = new WebSocket(`${url}${path}`);
      const replies = new Inbox<Reply>();
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data));
        if (!["started", "stopped"].includes(frame.result?.type)) replies.push(frame);
      });
      const closed = once(socket, "close");
      await once(socket, "open");
      const reply = (id: number | null) => replies.take((f) => f.id === id, `a reply to ${id}`);
      return { socket, replies, closed, reply };
    };

    // connectionParams: string values only (tRPC's own check), and a token only as `token`.
    const params: [string, string][] = [
      [`{"__proto__":{"token":"${user.token}"}}`, "PARSE_ERROR"],
      ['{"token":42}', "PARSE_ERROR"],
      [`{"token":["${user.token}"]}`, "PARSE_ERROR"],
      ['"a string"', "PARSE_ERROR"],
      [`{"token":"${"x".repeat(60_000)}"}`, "UNAUTHORIZED"],
    ];
    for (const [data, code] of params) {
      const { socket, reply, closed } = await rawSocket("?connectionParams=1");
      socket.send(`{"method":"connectionParams","data":${data}}`);
      socket.send(JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } }));
      expect((await reply(null)).error?.data.code, data.slice(0, 60)).toBe(code);
      await closed; // never signed in
    }
    // Frames that are no request, and requests with bad input, on a signed-in socket.
    const { socket, reply, replies } = await rawSocket(`?token=${user.token}`);
    const me = JSON.stringify({ id: 1, method: "query", params: { path: "auth.me" } });
    for (const frame of ["hello", "null", "42", '"text"', Buffer.from(me)]) {
      socket.send(frame);
      expect((await reply(null)).error?.data.code, String(frame)).toBe("PARSE_ERROR");
    }
    const send = (id: number, input: string) =>
      `{"id":${id},"method":"mutation","params":{"path":"messages.send","input":${input}}}`;
    const badRequests = [
      send(10, `{"roomId":${room.id},"__proto__":{"text":"polluted"}}`),
      send(11, `{"roomId":${room.id},"text":"a\\u0000b"}`),
      send(12, `{"roomId":${room.id},"text":"broken \\ud800 half"}`),
      send(13, `{"roomId":${room.id},"text":"${"x".repeat(4001)}"}`),
      send(14, `{"roomId":${2 ** 40},"text":"polluted"}`),
      `{"id":15,"method":"subscription","params":{"path":"events.room","input":{"roomId":${room.id},"lastEventId":"-1"}}}`,
      `{"id":16,"method":"query","params":{"path":"history.list","input":{"roomId":${room.id},"before":-1}}}`,
      // Resume points and cursors this server never sent.
      `{"id":17,"method":"subscription","params":{"path":"events.room","input":{"roomId":${room.id},"lastEventId":""}}}`,
      `{"id":18,"method":"subscription","params":{"path":"events.room","input":{"roomId":${room.id},"lastEventId":"0x5"}}}`,
      `{"id":19,"method":"query","params":{"path":"users.list","input":{"cursor":"${Buffer.from("bob").toString("base64url")}"}}}`,
    ];
    for (const [index, frame] of badRequests.entries()) {
      socket.send(frame);
      const answer = await reply(10 + index);
      expect(answer.error?.data.code, frame.slice(0, 80)).toBe("BAD_REQUEST");
      expect(answer.error?.message).not.toMatch(/went wrong on our side/);
    }
    socket.send(me);
    expect(await reply(1)).toMatchObject({ result: { data: { username: user.user.username } } });
    expect(replies.items).toEqual([]); // one answer each, nothing else

    // The reader in the room hears the marker first, and the history holds nothing else.
    socket.send(send(20, `{"roomId":${room.id},"text":"marker"}`));
    expect(await reply(20)).toMatchObject({ result: { data: { body: "marker" } } });
    await heard.waitFor((all) => all.length >= 1, "the marker");
    expect(heard.items.map((m) => m.body)).toEqual(["marker"]);
    const stored = await user.http.history.list.query({ roomId: room.id, after: lastSeq });
    expect(stored.items.map((m) => m.body)).toEqual(["marker"]);
    socket.close();
    onB.ws.close();
  });

  it("answers bad frames with an error frame, refuses oversized frames, foreign origins and too many subscriptions", async () => {
    const user = await signUp(a);
    const room = await roomWith(user);
    const url = `${a.url.replace("http", "ws")}/trpc?token=${user.token}`;
    const socket = new WebSocket(url);
    await once(socket, "open");
    // Frames by request id (a parse error has none), skipping keep-alives and start/stop notices.
    const frames = new Inbox<{ id: number | null; error?: { message: string; data: { code: string } } }>();
    socket.on("message", (data) => {
      if (String(data) === "PING") return;
      const frame = JSON.parse(String(data));
      if (!["started", "stopped"].includes(frame.result?.type)) frames.push(frame);
    });
    const reply = async (id: number | null) =>
      (await frames.waitFor((all) => all.some((f) => f.id === id), `a reply to ${id}`)).find((f) => f.id === id);

    socket.send("{not json");
    expect(await reply(null)).toMatchObject({ error: { data: { code: "PARSE_ERROR" } } });
    socket.send(
      JSON.stringify({
        id: 2,
        method: "mutation",
        params: { path: "messages.send", input: { roomId: room.id, text: 42 } },
      }),
    );
    const badInput = await reply(2);
    expect(badInput).toMatchObject({ error: { data: { code: "BAD_REQUEST" } } });
    expect(badInput?.error?.message).toMatch(/text/);

    // The same connection still works.
    socket.send(JSON.stringify({ id: 3, method: "query", params: { path: "auth.me" } }));
    expect(await reply(3)).toMatchObject({ result: { data: { username: user.user.username } } });

    for (let id = 10; id <= 110; id++) {
      socket.send(JSON.stringify({ id, method: "subscription", params: { path: "events.mine" } }));
    }
    // They start concurrently: whichever comes 101st is refused, and only that one.
    const refused = await frames.waitFor(
      (all) => all.some((f) => f.error?.data.code === "TOO_MANY_REQUESTS"),
      "a refusal",
    );
    expect(refused.filter((f) => f.id !== null && f.id >= 10)).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ message: "a connection may hold at most 100 subscriptions" }),
      }),
    ]);

    const closed = once(socket, "close");
    socket.send("x".repeat(70 * 1024));
    const [code] = await closed;
    expect(code).toBe(1009);

    const foreign = new WebSocket(url, { headers: { origin: "https://elsewhere.example" } });
    const [, response] = await once(foreign, "unexpected-response");
    expect((response as { statusCode: number }).statusCode).toBe(403);
    const same = new WebSocket(url, { headers: { origin: a.url } });
    await once(same, "open");
    same.close();
  });
  it("stores nothing a member sends after leaving: a leave on A raced by sends on B, until both outcomes were seen", async () => {
    const owner = await signUp(a);
    const member = await signUp(a);
    const onA = wsClient(a.url, member.token);
    const onB = wsClient(b.url, member.token);
    // Two chains of sends on B start in the same tick as the leave on A, each send after the one
    // before it answers, so the leave lands somewhere along them: before, between or after.
    // Concurrent sends alone could all beat the leave on a slow machine (CI once saw 30 such trials).
    const chain = async (texts: string[]) => {
      const settled: PromiseSettledResult<{ body: string }>[] = [];
      for (const text of texts) settled.push(...(await Promise.allSettled([send(text)])));
      return settled;
    };
    let roomId = 0;
    const send = (text: string) => onB.client.messages.send.mutate({ roomId, text });
    let refused = 0;
    let acceptedInRace = 0;
    let trial = 0;
    for (; trial < 30 || (trial < 120 && (refused === 0 || acceptedInRace === 0)); trial++) {
      const room = await roomWith(owner);
      roomId = room.id;
      await member.http.rooms.join.mutate({ roomId });
      await send("warm"); // B has seen a member send
      const leaving = onA.client.rooms.leave.mutate({ roomId }); // and, in the same tick:
      const [, ...chains] = await Promise.all([leaving, chain(["1", "2", "3"]), chain(["4", "5", "6"])]);
      const sent = chains.flat();
      for (const r of sent) if (r.status === "rejected") expect(String(r.reason)).toMatch(/not a member/);
      refused += sent.filter((r) => r.status === "rejected").length;
      const history = (await owner.http.history.list.query({ roomId, limit: 100 })).items.reverse();
      const left = history.findIndex((m) => m.notice?.event === "left");
      expect(left).toBeGreaterThan(0);
      expect(history.slice(left + 1).map((m) => m.body)).toEqual([]); // nothing after the leave
      const answered = sent.flatMap((r) => (r.status === "fulfilled" ? [r.value.body] : []));
      acceptedInRace += answered.length;
      const stored = history.filter((m) => m.kind === "text").map((m) => m.body);
      expect(stored.sort()).toEqual(["warm", ...answered].sort()); // every answer is true
    }
    // The race was run, not avoided: some sends lost to the leave and some beat it.
    expect({ refused: refused > 0, acceptedInRace: acceptedInRace > 0 }).toEqual({
      refused: true,
      acceptedInRace: true,
    });
    onA.ws.close();
    onB.ws.close();
  }, 300_000);
});
