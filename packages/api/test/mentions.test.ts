import { schema, type Transaction } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mentionCandidates, NO_MENTIONS, parseMentions, resolveMentions } from "../src/services/mentions";
import { type Caller, createHarness, type Harness } from "./harness";
import { roomState } from "./message-state";

describe("parsing mentions", () => {
  it("reads @names by the username characters, not inside words or e-mail addresses", () => {
    expect(parseMentions("hi @bob and @Ann.Lee, and @Zoë!").names).toEqual([["bob"], ["ann.lee"], ["zoë"]]);
    expect(parseMentions("write to bob@example.com or @").names).toEqual([]);
    expect(parseMentions("@x is too short, @a_b is fine").names).toEqual([["a_b"]]);
  });

  it("tries a name with its trailing punctuation first, then without", () => {
    expect(parseMentions("thanks @bob.").names).toEqual([["bob.", "bob"]]);
    expect(parseMentions("ask @ann-, she knows").names).toEqual([["ann-", "ann"]]);
  });

  it("reads @room in any case as the room, never as a user", () => {
    expect(parseMentions("@Room: lunch!")).toEqual({ names: [], room: true });
    expect(parseMentions("no mention here")).toEqual({ names: [], room: false });
  });

  it("asks the database nothing for a text without '@', nor to mention @room from a member", async () => {
    const untouchable = new Proxy({} as Transaction, {
      get() {
        throw new Error("the database was asked");
      },
    });
    expect(await mentionCandidates(untouchable, 1, "plain words, no at sign: bob@example")).toBeNull();
    const member = { id: 1, role: "member" as const };
    expect(await resolveMentions(untouchable, 1, member, null)).toBe(NO_MENTIONS);
    const roomOnly = { names: [], byKey: new Map(), room: true, members: [2, 3] };
    expect(await resolveMentions(untouchable, 1, member, roomOnly)).toBe(NO_MENTIONS);
  });

  it("ignores a name longer than any username rather than mentioning its start", () => {
    expect(parseMentions(`@${"a".repeat(40)}`).names).toEqual([]);
  });
});

/** Mentions (issue 14): parsed on the server, members only, `@room` for owners, stored for counts. */
describe.each(drivers)("mentions on %s", (driver) => {
  let h: Harness;
  let owner: { caller: Caller; id: number; username: string };
  let ann: { caller: Caller; id: number; username: string };
  let bob: { caller: Caller; id: number; username: string };
  let outsider: { caller: Caller; id: number; username: string };
  beforeAll(async () => {
    h = await createHarness(driver);
    owner = await h.signUp();
    ann = await h.signUp();
    bob = await h.signUp();
    outsider = await h.signUp();
  });
  afterAll(() => h?.dispose());

  const newRoom = async (name: string) => {
    const room = await owner.caller.rooms.create({ name: `${name}-${Math.random().toString(36).slice(2)}` });
    await ann.caller.rooms.join({ roomId: room.id });
    await bob.caller.rooms.join({ roomId: room.id });
    return room;
  };
  const mentionRows = async (roomId: number) =>
    (await roomState(h.deps.db, roomId)).mentions.map((m) => [m.userId, m.messageId]);

  it("mentions members by any spelling of their name, shows the author's own, notifies only others", async () => {
    const room = await newRoom("mention");
    const text = `@${ann.username.toUpperCase()} and @${bob.username}, with @${owner.username} and @${outsider.username}`;
    const sent = await owner.caller.messages.send({ roomId: room.id, text });
    expect(sent.mentions).toEqual({ userIds: [ann.id, bob.id, owner.id], room: false });
    expect(sent.body).toBe(text); // the text is kept as written
    expect(await mentionRows(room.id)).toEqual(
      [
        [ann.id, sent.id],
        [bob.id, sent.id],
      ].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
    );
  });

  it("lets only the room's owner mention @room, which notifies every member but the author", async () => {
    const room = await newRoom("mention-room");
    const byMember = await ann.caller.messages.send({ roomId: room.id, text: "@room hello" });
    expect(byMember.mentions).toEqual({ userIds: [], room: false });
    expect(await mentionRows(room.id)).toEqual([]);
    const byOwner = await owner.caller.messages.send({ roomId: room.id, text: `@room and @${ann.username}` });
    expect(byOwner.mentions).toEqual({ userIds: [ann.id], room: true });
    const rows = await mentionRows(room.id);
    expect(rows.map(([user]) => user).sort()).toEqual([ann.id, bob.id].sort());
  });

  it("never mentions @room in a direct conversation", async () => {
    const { room } = await owner.caller.direct.open({ user: { userId: ann.id } });
    const sent = await owner.caller.messages.send({ roomId: room.id, text: `@room @${ann.username}` });
    expect(sent.mentions).toEqual({ userIds: [ann.id], room: false });
    expect(await mentionRows(room.id)).toEqual([[ann.id, sent.id]]);
  });

  it("rewrites the mentions on an edit, announcing what was mentioned before, and removes them on delete", async () => {
    const room = await newRoom("mention-edit");
    const sent = await owner.caller.messages.send({ roomId: room.id, text: `hey @${ann.username}` });
    const heard = await h.listen(`room:${room.id}`);
    const edited = await owner.caller.messages.edit({ messageId: sent.id, text: `hey @${bob.username}` });
    expect(edited.mentions).toEqual({ userIds: [bob.id], room: false });
    expect(await mentionRows(room.id)).toEqual([[bob.id, sent.id]]);
    await owner.caller.messages.delete({ messageId: sent.id });
    heard.stop();
    expect(heard.events.map((e) => e.type === "room.change" && [e.change, e.mentionsBefore])).toEqual([
      ["edited", { userIds: [ann.id], room: false }],
      ["deleted", { userIds: [bob.id], room: false }],
    ]);
    expect(await mentionRows(room.id)).toEqual([]);
  });

  it("mentions in replies too, and a member who left is plain text again", async () => {
    const room = await newRoom("mention-reply");
    const parent = await owner.caller.messages.send({ roomId: room.id, text: "topic" });
    await bob.caller.rooms.leave({ roomId: room.id });
    const reply = await ann.caller.messages.send({
      roomId: room.id,
      text: `@${owner.username} @${bob.username}`,
      parentId: parent.id,
    });
    expect(reply.mentions).toEqual({ userIds: [owner.id], room: false });
    expect(await mentionRows(room.id)).toEqual([[owner.id, reply.id]]);
  });
});

describe("@room in a room bigger than a query's parameters allow (PostgreSQL)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness("postgres");
  });
  afterAll(() => h?.dispose());

  it("notifies all 20,000 members of a room with one statement's worth of parameters", async () => {
    const owner = await h.signUp();
    const room = await owner.caller.rooms.create({ name: `crowd-${owner.id}` });
    const members = 20_000; // at 4 parameters a row, one row per parameter set would pass 65,535
    const prefix = `crowd${owner.id}x`;
    await h.deps.db.execute(sql`
      with made as (
        insert into users (username, username_key, password_hash)
        select ${prefix} || g, ${prefix} || g, 'not-a-hash' from generate_series(1, ${members}) g
        returning id
      )
      insert into room_members (room_id, user_id, role) select ${room.id}, id, 'member' from made`);
    const sent = await owner.caller.messages.send({ roomId: room.id, text: "@room the build is green" });
    expect(sent.mentions).toEqual({ userIds: [], room: true });
    const [notified] = await h.deps.db
      .select({ n: count() })
      .from(schema.mentions)
      .where(eq(schema.mentions.messageId, sent.id));
    expect(notified?.n).toBe(members);
    const edited = await owner.caller.messages.edit({ messageId: sent.id, text: "@room the build is red" });
    expect(edited.mentions.room).toBe(true);
    const [again] = await h.deps.db
      .select({ n: count() })
      .from(schema.mentions)
      .where(eq(schema.mentions.messageId, sent.id));
    expect(again?.n).toBe(members);
  });
});
