import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, Inbox, type ParleyClient, wsClient } from "./clients";
import { type RunningServer, startRealtime } from "./processes";

interface Frame {
  id: number | string | null;
  jsonrpc?: string;
  result?: { type: string; id?: string; data?: unknown };
  error?: { message: string; data?: { code?: string; path?: string } };
}

/**
 * tRPC subscriptions over WebSocket as Parley's own `SocketSubscriptions` runs them (not tRPC's
 * adapter): the frames must stay exactly tRPC's wire protocol, for @trpc/client and for raw
 * clients alike: `started`, tracked `data`, `stopped` on `subscription.stop`, errors shaped by
 * the router, a resume from `lastEventId`, and the socket's subscription slots given back.
 */
describe("tRPC subscriptions over WebSocket", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let token: string;
  let http: ParleyClient;
  let roomId: number;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "a subscriptions test secret of 32 bytes",
      WS_MAX_SUBSCRIPTIONS: "2",
    });
    const username = `u${randomBytes(4).toString("hex")}`;
    ({ token } = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" }));
    http = httpClient(server.url, token);
    roomId = (await http.rooms.create.mutate({ name: `subs-${username}` })).id;
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  /** A signed-in raw tRPC socket, with every frame it gets (PINGs answered). */
  async function socket(as = token) {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${as}`);
    const frames = new Inbox<Frame>();
    ws.on("message", (data) => {
      if (String(data) === "PING") return ws.send("PONG");
      frames.push(JSON.parse(String(data)) as Frame);
    });
    await once(ws, "open");
    const send = (call: object) => ws.send(JSON.stringify(call));
    const of = (id: number | string) => frames.items.filter((f) => f.id === id);
    const waitFor = (id: number | string, check: (mine: Frame[]) => boolean, what: string) =>
      frames.waitFor(() => check(of(id)), what).then(() => of(id));
    return { ws, frames, send, of, waitFor };
  }

  const send = (text: string) =>
    http.messages.send.mutate({ roomId, text, clientId: `c-${randomBytes(6).toString("hex")}` });

  it("answers started, tracked data and, on subscription.stop, stopped; jsonrpc echoed as sent", async () => {
    const s = await socket();
    s.send({ id: 1, jsonrpc: "2.0", method: "subscription", params: { path: "events.room", input: { roomId } } });
    const opened = await s.waitFor(1, (f) => f.some((x) => x.result?.type === "data"), "the live marker");
    expect(opened[0]).toEqual({ id: 1, jsonrpc: "2.0", result: { type: "started" } });
    const live = opened[1];
    expect(live?.result?.data).toEqual({ id: live?.result?.id, data: { type: "live" } });

    const sent = await send("hello");
    const data = await s.waitFor(1, (f) => f.length === 3, "the message");
    expect(data[2]).toMatchObject({
      id: 1,
      jsonrpc: "2.0",
      result: { type: "data", id: String(sent.seq), data: { id: String(sent.seq), data: { type: "message" } } },
    });

    s.send({ id: 1, jsonrpc: "2.0", method: "subscription.stop" });
    const stopped = await s.waitFor(1, (f) => f.length === 4, "stopped");
    expect(stopped[3]).toEqual({ id: 1, jsonrpc: "2.0", result: { type: "stopped" } });
    // Nothing more for id 1: a second subscription on the same socket sees the next message, id 1 does not.
    s.send({ id: 2, method: "subscription", params: { path: "events.room", input: { roomId } } });
    await s.waitFor(2, (f) => f.some((x) => x.result?.type === "data"), "the second live marker");
    const next = await send("after the stop");
    await s.waitFor(2, (f) => f.some((x) => x.result?.id === String(next.seq)), "the next message on id 2");
    expect(s.of(1)).toHaveLength(4);
    expect(s.of(2)[0]).toEqual({ id: 2, result: { type: "started" } });
    s.ws.close();
  });

  it("resumes from lastEventId with the messages after it, then live", async () => {
    const first = await send("one");
    const second = await send("two");
    const third = await send("three");
    const s = await socket();
    s.send({
      id: "r",
      method: "subscription",
      params: { path: "events.room", input: { roomId }, lastEventId: String(first.seq) },
    });
    const frames = await s.waitFor("r", (f) => f.some((x) => x.result?.type === "data" && isLive(x)), "live");
    const ids = frames.filter((f) => f.result?.type === "data" && !isLive(f)).map((f) => f.result?.id);
    expect(ids).toEqual([String(second.seq), String(third.seq)]);
    s.ws.close();
  });

  it("answers a refused subscription with the router's error shape, and a duplicate id with BAD_REQUEST", async () => {
    const stranger = await httpClient(server.url).auth.register.mutate({
      username: `s${randomBytes(4).toString("hex")}`,
      password: "pw-pw-pw",
    });
    const s = await socket(stranger.token);
    s.send({ id: 7, method: "subscription", params: { path: "events.room", input: { roomId } } });
    s.send({ id: 8, method: "subscription", params: { path: "events.room", input: { roomId: "nope" } } });
    // Membership is checked on the stream's first pull, after "started" (as in tRPC's adapter).
    const refused = await s.waitFor(7, (f) => f.some((x) => x.result?.type === "stopped"), "the refusal");
    expect(refused.map((x) => x.result?.type ?? x.error?.data?.code)).toEqual(["started", "FORBIDDEN", "stopped"]);
    expect(refused[1]?.error?.data?.path).toBe("events.room");
    expect(refused[1]?.error?.message).toMatch(/not a member/);
    const [bad] = await s.waitFor(8, (f) => f.length > 0, "the bad input");
    expect(bad?.error?.data).toMatchObject({ code: "BAD_REQUEST", path: "events.room" });

    s.send({ id: 9, method: "subscription", params: { path: "events.mine" } });
    await s.waitFor(9, (f) => f.length > 0, "started");
    s.send({ id: 9, method: "subscription", params: { path: "events.mine" } });
    const again = await s.waitFor(9, (f) => f.some((x) => x.error), "the duplicate's refusal");
    expect(again.find((x) => x.error)?.error).toMatchObject({
      message: "Duplicate id 9",
      data: { code: "BAD_REQUEST" },
    });
    s.ws.close();
  });

  it("gives a socket's subscription slots back on stop and on close (WS_MAX_SUBSCRIPTIONS=2 here)", async () => {
    const s = await socket();
    for (let id = 1; id <= 4; id++) {
      s.send({ id, method: "subscription", params: { path: "events.mine" } });
      await s.waitFor(id, (f) => f.length > 0, `subscription ${id}`);
      expect(s.of(id)[0]).toEqual({ id, result: { type: "started" } });
      s.send({ id, method: "subscription.stop" });
      await s.waitFor(id, (f) => f.some((x) => x.result?.type === "stopped"), `stop ${id}`);
    }
    // Two open and a third refused, then the socket closes: a new socket has its two again.
    for (const id of [10, 11]) {
      s.send({ id, method: "subscription", params: { path: "events.mine" } });
      await s.waitFor(id, (f) => f.length > 0, `subscription ${id}`);
    }
    // The slot is taken on the stream's first pull, after "started" (as in tRPC's adapter): then the error, then "stopped".
    s.send({ id: 12, method: "subscription", params: { path: "events.mine" } });
    const third = await s.waitFor(12, (f) => f.some((x) => x.result?.type === "stopped"), "the third's refusal");
    expect(third.map((x) => x.result?.type ?? x.error?.data?.code)).toEqual([
      "started",
      "TOO_MANY_REQUESTS",
      "stopped",
    ]);
    s.ws.close();
    const t = await socket();
    t.send({ id: 1, method: "subscription", params: { path: "events.mine" } });
    t.send({ id: 2, method: "subscription", params: { path: "events.mine" } });
    await t.waitFor(2, (f) => f.length > 0, "the second subscription");
    await t.waitFor(1, (f) => f.length > 0, "the first subscription");
    expect([t.of(1)[0], t.of(2)[0]]).toEqual([
      { id: 1, result: { type: "started" } },
      { id: 2, result: { type: "started" } },
    ]);
    t.ws.close();
  });

  it("serves @trpc/client's subscriptions and their unsubscribe", async () => {
    const { client, ws } = wsClient(server.url, token);
    const inbox = new Inbox<{ id: string; data: { type: string } }>();
    const subscription = client.events.room.subscribe(
      { roomId },
      { onData: (item) => inbox.push(item as never), onError: inbox.fail },
    );
    await inbox.waitFor((items) => items.some((i) => i.data.type === "live"), "live");
    const sent = await send("typed");
    await inbox.waitFor((items) => items.some((i) => i.id === String(sent.seq)), "the message");
    subscription.unsubscribe();
    expect(inbox.error).toBeNull();
    ws.close();
  });
});

const isLive = (frame: Frame) => (frame.result?.data as { data?: { type?: string } })?.data?.type === "live";
