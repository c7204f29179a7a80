import { randomBytes } from "node:crypto";
import { once } from "node:events";
import type { MessageOut } from "@parley/api/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Inbox, type ParleyClient, untilStreamFollows, wsClient } from "./clients";
import { type RunningServer, signUpOn, startTwoInstances, type TwoInstances } from "./processes";

const SECRET = "a message-changes test secret, 32 bytes or more";

/** A room stream's item as a client holds it: its tracked id and its event. */
interface Item {
  seq: number;
  event: { type: string; message?: MessageOut; parent?: { id: number; thread: MessageOut["thread"] } };
}

/** Follows a room's events (messages, changes, resets) from `lastEventId`. */
function followAll(client: ParleyClient, roomId: number, lastEventId: string) {
  const inbox = new Inbox<Item>();
  const subscription = client.events.room.subscribe(
    { roomId, lastEventId },
    {
      onData: (tracked) => {
        const event = tracked.data as Item["event"];
        if (["message", "change", "reset"].includes(event.type)) inbox.push({ seq: Number(tracked.id), event });
      },
      onError: inbox.fail,
    },
  );
  return { inbox, stop: () => subscription.unsubscribe() };
}

/** The fields of a message in the seeds' REST history (`seedMessageOf`). */
const SEED_MESSAGE_KEYS = ["content", "created_at", "id", "room_id", "seq", "text", "type", "user_id", "username"];

/** A thread summary as history shows it: none without replies. */
const summaryOf = (thread: MessageOut["thread"]) => (thread && thread.replyCount > 0 ? thread : null);

/** Applies a room stream's events to a client's messages, by message id. */
function apply(state: Map<number, MessageOut>, items: Item[]) {
  for (const { event } of items) {
    if (event.type === "reset") throw new Error("a reset where the test expects a replay");
    if (!event.message) continue;
    state.set(event.message.id, event.message);
    const parent = event.parent && state.get(event.parent.id);
    if (event.parent && parent) state.set(parent.id, { ...parent, thread: summaryOf(event.parent.thread) });
  }
}

/** A seed client, as wscat would be: raw frames in, parsed frames collected. */
async function seedSocket(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames = new Inbox<Record<string, unknown>>();
  const raw: string[] = [];
  ws.on("message", (data) => {
    raw.push(String(data));
    frames.push(JSON.parse(String(data)) as Record<string, unknown>);
  });
  await once(ws, "open");
  return { ws, frames, raw, send: (text: string) => ws.send(text) };
}

/** Two realtime instances on one PostgreSQL and a Redis of the test's own. */
describe("messages people act on, across realtime instances A and B", () => {
  let instances: TwoInstances;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    instances = await startTwoInstances(SECRET);
    ({ a, b } = instances);
  });
  afterAll(() => instances?.stop());

  /** Every event of a room from `lastEventId` until its sequence number `upTo`, over a WebSocket to `server`. */
  async function replayed(server: RunningServer, token: string, roomId: number, lastEventId: string, upTo: number) {
    const { client, ws } = wsClient(server.url, token);
    const { inbox, stop } = followAll(client, roomId, lastEventId);
    await inbox.waitFor((items) => items.some((i) => i.seq >= upTo), `the events up to ${upTo}`);
    stop();
    ws.close();
    return inbox.items;
  }

  /** The room as history and its threads show it now, by message id. */
  async function shown(http: ParleyClient, roomId: number, parentIds: Iterable<number>) {
    const expected = new Map<number, MessageOut>();
    const history = await http.history.list.query({ roomId, limit: 100 });
    expect(history.hasMore).toBe(false);
    for (const m of history.items) expected.set(m.id, m);
    const parents = new Set(parentIds);
    for (const m of history.items) if (m.thread) parents.add(m.id);
    for (const messageId of parents) {
      const thread = await http.messages.thread.query({ messageId, limit: 100 });
      expect(thread.hasMore).toBe(false);
      for (const m of thread.items) expected.set(m.id, m);
    }
    return expected;
  }

  it("a client away while messages are edited, deleted, reacted to and replied to on B resumes on A with exactly what history shows", async () => {
    const ann = await signUpOn(b);
    const cat = await signUpOn(b);
    const ben = await signUpOn(a);
    const room = await ann.http.rooms.create.mutate({ name: `acts-${randomBytes(4).toString("hex")}` });
    await cat.http.rooms.join.mutate({ roomId: room.id });
    await ben.http.rooms.join.mutate({ roomId: room.id });

    // Ben follows live on A while things happen on B.
    const state = new Map<number, MessageOut>();
    const onA = wsClient(a.url, ben.token);
    const live = followAll(onA.client, room.id, "0");
    const m1 = await ann.http.messages.send.mutate({ roomId: room.id, text: "first" });
    const m2 = await ann.http.messages.send.mutate({ roomId: room.id, text: "second" });
    const m3 = await ann.http.messages.send.mutate({ roomId: room.id, text: "third" });
    const r1 = await cat.http.messages.send.mutate({ roomId: room.id, text: "a reply", parentId: m1.id });
    await ann.http.messages.edit.mutate({ messageId: m2.id, text: "second, edited live" });
    await cat.http.messages.react.mutate({ messageId: m2.id, emoji: "👍" });
    const liveItems = await live.inbox.waitFor(
      (items) => items.some((i) => i.event.type === "change" && i.event.message?.reactions.length),
      "the reaction",
    );
    const lastSeen = Math.max(...liveItems.map((i) => i.seq));
    live.stop();
    onA.ws.close();
    apply(state, liveItems);

    // Away: edits, deletions, reactions, replies and pins on B.
    await ann.http.messages.edit.mutate({ messageId: m1.id, text: "first, edited while ben was away" });
    await cat.http.messages.react.mutate({ messageId: m1.id, emoji: "🎉" });
    await ben.http.messages.react.mutate({ messageId: m1.id, emoji: "🎉" });
    await cat.http.messages.unreact.mutate({ messageId: m2.id, emoji: "👍" });
    await ann.http.messages.delete.mutate({ messageId: m3.id });
    const r2 = await ann.http.messages.send.mutate({ roomId: room.id, text: "another reply", parentId: m1.id });
    await cat.http.messages.delete.mutate({ messageId: r1.id });
    await cat.http.messages.react.mutate({ messageId: r2.id, emoji: "👀" });
    await ann.http.messages.edit.mutate({ messageId: r2.id, text: `another reply, @${ben.user.username}` });
    await cat.http.messages.pin.mutate({ messageId: m2.id });
    const m4 = await cat.http.messages.send.mutate({ roomId: room.id, text: `back soon @${ben.user.username}?` });
    const { lastSeq } = await ann.http.rooms.get.query({ roomId: room.id });

    // Back, on A: every event after the last one seen, once each, in order.
    const resumed = await replayed(a, ben.token, room.id, String(lastSeen), lastSeq);
    expect(resumed.map((i) => i.seq)).toEqual(Array.from({ length: lastSeq - lastSeen }, (_, i) => lastSeen + 1 + i));
    apply(state, resumed);

    // And live again, on A, as more happens on B.
    const again = wsClient(a.url, ben.token);
    const more = followAll(again.client, room.id, String(lastSeq));
    await ann.http.messages.unpin.mutate({ messageId: m2.id });
    await ann.http.messages.react.mutate({ messageId: m4.id, emoji: "👋" });
    const last = await ann.http.messages.send.mutate({ roomId: room.id, text: "last reply", parentId: m1.id });
    const moreItems = await more.inbox.waitFor((items) => items.some((i) => i.seq >= last.seq), "the last reply");
    expect(moreItems.map((i) => i.seq)).toEqual([lastSeq + 1, lastSeq + 2, lastSeq + 3]);
    more.stop();
    again.ws.close();
    apply(state, moreItems);

    const expected = await shown(ben.http, room.id, [m1.id]);
    for (const [id, message] of state) {
      // History may leave tombstones out; whatever it shows, the client holds the same.
      if (!expected.has(id)) expect(message.deletedAt, `message ${id}`).not.toBeNull();
    }
    for (const [id, message] of expected) expect(state.get(id), `message ${id}`).toEqual(message);
    expect(state.get(m1.id)?.thread?.replyCount).toBe(2);
    expect(state.get(m3.id)?.body ?? "").toBe("");
  });

  it("a deleted message's text is nowhere: history, resume, threads, pins, the seeds' REST history and sockets", async () => {
    const marker = `marker-${randomBytes(6).toString("hex")}`;
    const ann = await signUpOn(b);
    const ben = await signUpOn(a);
    const room = await ann.http.rooms.create.mutate({ name: `gone-${randomBytes(4).toString("hex")}` });
    const wsUrl = (server: RunningServer, path: string) => `${server.url.replace(/^http/, "ws")}${path}`;

    // A seed 000 socket on A, in the room (its join notice says it follows).
    const during = await seedSocket(wsUrl(a, `/ws?token=${ben.token}`));
    during.send(JSON.stringify({ type: "join", content: String(room.id) }));
    await during.frames.waitFor(
      (frames) => frames.some((f) => f.type === "system" && f.room_id === room.id),
      "the seed socket's join notice",
    );

    const parent = await ann.http.messages.send.mutate({ roomId: room.id, text: "a thread" });
    const top = await ann.http.messages.send.mutate({ roomId: room.id, text: `${marker} top level` });
    const reply = await ann.http.messages.send.mutate({
      roomId: room.id,
      text: `${marker} reply`,
      parentId: parent.id,
    });
    await ben.http.messages.react.mutate({ messageId: top.id, emoji: "😮" });
    await ben.http.messages.pin.mutate({ messageId: top.id });
    await ben.http.messages.pin.mutate({ messageId: reply.id });
    await ann.http.messages.edit.mutate({ messageId: reply.id, text: `${marker} reply, edited` });
    await during.frames.waitFor((frames) => frames.some((f) => f.id === reply.id), "the reply on the seed socket");
    const seenBefore = during.raw.length;

    await ann.http.messages.delete.mutate({ messageId: top.id });
    await ann.http.messages.delete.mutate({ messageId: reply.id });
    const after = await ann.http.messages.send.mutate({ roomId: room.id, text: "after the deletions" });
    await during.frames.waitFor(
      (frames) => frames.some((f) => f.id === after.id),
      "the next message on the seed socket",
    );
    // Nothing new but the next message: no frame for the deletions, nor for the edit before them.
    expect(during.raw.slice(seenBefore).map((raw) => JSON.parse(raw).id)).toEqual([after.id]);
    during.ws.close();

    // A direct conversation, read through seed 004 after a deletion in it.
    const { room: direct } = await ann.http.direct.open.mutate({ user: { userId: ben.user.id } });
    await ann.http.messages.send.mutate({ roomId: direct.id, text: "hello" });
    const secret = await ann.http.messages.send.mutate({ roomId: direct.id, text: `${marker} direct` });
    await ann.http.messages.react.mutate({ messageId: secret.id, emoji: "🤫" });
    await ann.http.messages.delete.mutate({ messageId: secret.id });
    await ann.http.messages.send.mutate({ roomId: direct.id, text: "never mind" });
    const chat = await seedSocket(wsUrl(a, `/chats/${ann.user.username}`), { Authorization: `Bearer ${ben.token}` });
    await chat.frames.waitFor((frames) => frames.some((f) => f.body === "never mind"), "the chat's recent messages");
    expect(chat.frames.items.map((f) => f.body)).toEqual(["hello", "never mind"]);
    chat.ws.close();

    // A seed socket that joins after sees nothing of it either (seed 001 frames, on B).
    const dan = await signUpOn(b);
    const later = await seedSocket(wsUrl(b, `/ws?token=${dan.token}`));
    later.send(JSON.stringify({ Type: "enter", RoomID: room.id }));
    await later.frames.waitFor(
      (frames) => frames.some((f) => f.Type === "system" && f.RoomID === room.id),
      "the late socket's join notice",
    );
    await ann.http.messages.send.mutate({ roomId: room.id, text: "for the late socket" });
    await later.frames.waitFor(
      (frames) => frames.some((f) => f.Text === "for the late socket"),
      "the late socket's message",
    );
    const lateFrames = [...later.raw];
    later.ws.close();

    const kept = await ann.http.messages.send.mutate({ roomId: room.id, text: "a reply kept", parentId: parent.id });
    const { lastSeq } = await ann.http.rooms.get.query({ roomId: room.id });
    const { lastSeq: directSeq } = await ann.http.rooms.get.query({ roomId: direct.id });
    const seedHistory = async (server: RunningServer, roomId: number) => {
      const response = await fetch(`${server.url}/messages/${roomId}?last_id=0`, {
        headers: { Authorization: ben.token },
      });
      expect(response.status).toBe(200);
      const body = await response.text();
      const items = JSON.parse(body) as Record<string, unknown>[];
      // The seeds' shape, and nothing of Parley's new fields (reactions, threads, edits, pins).
      for (const item of items) expect(Object.keys(item).sort()).toEqual(SEED_MESSAGE_KEYS);
      return { body, ids: items.map((m) => m.id as number) };
    };
    const roomHistory = await seedHistory(a, room.id);
    expect(roomHistory.ids).not.toContain(top.id);
    expect(roomHistory.ids).not.toContain(reply.id);
    expect(roomHistory.ids).toContain(after.id);
    expect(roomHistory.ids).toContain(kept.id); // a reply is a plain message to seed clients
    const directHistory = await seedHistory(b, direct.id);
    expect(directHistory.ids).not.toContain(secret.id);

    const everywhere = {
      history: await ben.http.history.list.query({ roomId: room.id, limit: 100 }),
      directHistory: await ben.http.history.list.query({ roomId: direct.id, limit: 100 }),
      thread: await ben.http.messages.thread.query({ messageId: parent.id }),
      pinned: await ben.http.messages.pinned.query({ roomId: room.id }),
      resume: await replayed(a, ben.token, room.id, "0", lastSeq),
      resumeOnB: await replayed(b, ben.token, room.id, "0", lastSeq),
      directResume: await replayed(b, ben.token, direct.id, "0", directSeq),
      seedRestHistory: roomHistory.body,
      seedRestDirectHistory: directHistory.body,
      seedSocketAfter: lateFrames,
    };
    for (const [where, what] of Object.entries(everywhere)) {
      expect(JSON.stringify(what).includes(marker), `the marker in ${where}`).toBe(false);
    }
    // The tombstones are there (so the thread and the log keep their shape), with no text.
    expect(everywhere.thread.items.find((m) => m.id === reply.id)).toMatchObject({ body: "", pinnedAt: null });
    expect(everywhere.pinned.map((m) => m.id)).toEqual([]);
    expect(everywhere.resume.filter((i) => i.event.message?.id === top.id).map((i) => i.event.type)).toEqual([
      "message",
      "change",
      "change",
      "change",
    ]);
  });

  it("keeps a room's order on the wire when messages, replies and changes race each other on B (30 trials)", async () => {
    const ann = await signUpOn(b);
    const cat = await signUpOn(b);
    const ben = await signUpOn(a);
    const room = await ann.http.rooms.create.mutate({ name: `race-${randomBytes(4).toString("hex")}` });
    await cat.http.rooms.join.mutate({ roomId: room.id });
    await ben.http.rooms.join.mutate({ roomId: room.id });
    const start = (await ann.http.rooms.get.query({ roomId: room.id })).lastSeq;
    const onA = wsClient(a.url, ben.token);
    const { inbox, stop } = followAll(onA.client, room.id, String(start));
    const first = await ann.http.messages.send.mutate({ roomId: room.id, text: "thread" });
    let previous = first;
    for (let trial = 0; trial < 30; trial++) {
      const [next] = await Promise.all([
        ann.http.messages.send.mutate({ roomId: room.id, text: `m${trial}` }), // the wire's fast path
        cat.http.messages.react.mutate({ messageId: previous.id, emoji: trial % 2 ? "👍" : "🎉" }),
        cat.http.messages.send.mutate({ roomId: room.id, text: `r${trial}`, parentId: first.id }),
        ann.http.messages.edit.mutate({ messageId: previous.id, text: `edited ${trial}` }),
      ]);
      previous = next;
    }
    const { lastSeq } = await ann.http.rooms.get.query({ roomId: room.id });
    await inbox.waitFor((items) => items.some((i) => i.seq >= lastSeq), "every event");
    stop();
    onA.ws.close();
    // Every event once, in sequence order, whichever way it reached the socket.
    expect(inbox.items.map((i) => i.seq)).toEqual(Array.from({ length: lastSeq - start }, (_, i) => start + 1 + i));
    const replies = inbox.items.filter((i) => i.event.type === "message" && i.event.message?.parentId === first.id);
    expect(replies).toHaveLength(30);
    for (const reply of replies) expect(reply.event.parent?.id).toBe(first.id);
    expect(inbox.items.filter((i) => i.event.type === "change")).toHaveLength(60);
  });

  it("tells the mentioned user's own stream on A of a mention made on B, and of its edit and deletion", async () => {
    const ann = await signUpOn(b);
    const ben = await signUpOn(a);
    const room = await ann.http.rooms.create.mutate({ name: `mention-${randomBytes(4).toString("hex")}` });
    await ben.http.rooms.join.mutate({ roomId: room.id });
    const onA = wsClient(a.url, ben.token);
    const heard = new Inbox<Record<string, unknown>>();
    const subscription = onA.client.events.mine.subscribe(undefined, {
      onData: (event) => heard.push(event as unknown as Record<string, unknown>),
      onError: heard.fail,
    });
    await untilStreamFollows(ben.http, heard, (e) => e.type === "user.profile");
    const activity = (messageId: number, change: string) =>
      heard.take((e) => e.type === "room.activity" && e.messageId === messageId && e.change === change, change);

    const hey = await ann.http.messages.send.mutate({ roomId: room.id, text: `hey @${ben.user.username}` });
    expect(await activity(hey.id, "created")).toMatchObject({
      roomId: room.id,
      mentioned: true,
      authorId: ann.user.id,
    });
    expect((await ben.http.rooms.mine.query()).find((r) => r.id === room.id)?.mentions).toBe(1);
    await ann.http.messages.edit.mutate({ messageId: hey.id, text: "hey all" });
    expect(await activity(hey.id, "edited")).toMatchObject({ mentioned: false, mentionedBefore: true });
    await ann.http.messages.delete.mutate({ messageId: hey.id });
    expect(await activity(hey.id, "deleted")).toMatchObject({ mentionedBefore: false, messageSeq: hey.seq });
    expect((await ben.http.rooms.mine.query()).find((r) => r.id === room.id)).toMatchObject({ unread: 0, mentions: 0 });
    subscription.unsubscribe();
    onA.ws.close();
  });
});
