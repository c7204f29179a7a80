import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../src/bus";
import { MAX_PINNED_PER_ROOM, MAX_REACTIONS_PER_MESSAGE, type MessageOut } from "../src/schemas";
import { readMessages } from "../src/services/message-log";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";
import { expectGapFree, expectRefused, roomState, rowsHolding, type TrpcCode } from "./message-state";

/** The write side of issue 14: edit, delete, react, unreact, pin and unpin, and their rules. */
describe.each(drivers)("changes to messages on %s", (driver) => {
  let h: Harness;
  let owner: Caller;
  let ownerId: number;
  let ann: { caller: Caller; id: number; username: string };
  let stranger: Caller;
  beforeAll(async () => {
    h = await createHarness(driver);
    const signed = await h.signUp();
    owner = signed.caller;
    ownerId = signed.id;
    ann = await h.signUp();
    stranger = (await h.signUp()).caller;
  });
  afterAll(() => h?.dispose());

  const newRoom = async (name: string, isPrivate = false) => {
    const room = await owner.rooms.create({ name: `${name}-${Math.random().toString(36).slice(2)}`, isPrivate });
    if (!isPrivate) await ann.caller.rooms.join({ roomId: room.id });
    else await owner.invites.create({ roomId: room.id, user: { userId: ann.id } });
    return room;
  };
  const changesOf = (events: BusEvent[]) => events.filter((e) => e.type === "room.change");
  const lastSeqOf = async (roomId: number) => (await owner.rooms.get({ roomId })).lastSeq;

  const refused = (roomId: number, call: () => Promise<unknown>, code: TrpcCode, words: RegExp) =>
    expectRefused(h, roomId, call, code, words);

  /** Expects a call to change nothing (no sequence number, no event) and answer the message as it is. */
  async function unchanged(roomId: number, call: () => Promise<unknown>) {
    const before = await roomState(h.deps.db, roomId);
    const heard = await h.listen(`room:${roomId}`);
    const answer = await call();
    heard.stop();
    expect(await roomState(h.deps.db, roomId)).toEqual(before);
    expect(heard.events).toEqual([]);
    return answer;
  }

  describe("the message a change answers and announces", () => {
    it("is the message as a fresh read finds it after each change (the change's writes and its read are one statement)", async () => {
      const room = await newRoom("as-now");
      const parent = await ann.caller.messages.send({ roomId: room.id, text: `parent, @${ann.username}` });
      const reply = await owner.messages.send({ roomId: room.id, text: "a reply", parentId: parent.id });
      const fresh = async (id: number) => (await readMessages(h.deps.db, [id]))[0];
      const steps: [string, () => Promise<MessageOut>][] = [
        ["ann reacts", () => ann.caller.messages.react({ messageId: parent.id, emoji: "👍" })],
        ["owner reacts alike", () => owner.messages.react({ messageId: parent.id, emoji: "👍" })],
        ["owner reacts anew", () => owner.messages.react({ messageId: parent.id, emoji: "🎉" })],
        ["ann reacts anew", () => ann.caller.messages.react({ messageId: parent.id, emoji: "🎉" })],
        ["ann unreacts the first", () => ann.caller.messages.unreact({ messageId: parent.id, emoji: "👍" })],
        ["ann edits", () => ann.caller.messages.edit({ messageId: parent.id, text: "parent, edited" })],
        ["owner pins", () => owner.messages.pin({ messageId: parent.id })],
        ["ann unpins", () => ann.caller.messages.unpin({ messageId: parent.id })],
        ["owner pins again", () => owner.messages.pin({ messageId: parent.id })],
        ["owner reacts to the reply", () => owner.messages.react({ messageId: reply.id, emoji: "👀" })],
        ["owner deletes the reply", () => owner.messages.delete({ messageId: reply.id })],
        ["ann deletes the parent", () => ann.caller.messages.delete({ messageId: parent.id })],
      ];
      for (const [step, call] of steps) {
        const heard = await h.listen(`room:${room.id}`);
        const answer = await call();
        heard.stop();
        expect(answer, step).toEqual(await fresh(answer.id));
        const [event] = changesOf(heard.events);
        expect(event?.type === "room.change" && event.message, step).toEqual(answer);
      }
      const [tombstone] = await readMessages(h.deps.db, [parent.id]);
      expect(tombstone).toMatchObject({ body: "", reactions: [], pinnedAt: null, deletedAt: expect.any(String) });
      expect(await rowsHolding(h.deps.db, "parent, edited")).toBe(0);
      await expectGapFree(h.deps.db, room.id);
    });
  });

  describe("edit", () => {
    it("replaces the author's text, marks it edited, and logs the change under the room's next number", async () => {
      const room = await newRoom("edit");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "helo" });
      const heard = await h.listen(`room:${room.id}`);
      const edited = await ann.caller.messages.edit({ messageId: sent.id, text: "  hello  " });
      heard.stop();
      expect(edited).toMatchObject({ id: sent.id, seq: sent.seq, body: "hello", deletedAt: null });
      expect(edited.editedAt).not.toBeNull();
      const seq = await lastSeqOf(room.id);
      expect(seq).toBe(sent.seq + 1);
      expect(heard.events).toEqual([
        {
          type: "room.change",
          roomId: room.id,
          seq,
          change: "edited",
          actorId: ann.id,
          emoji: null,
          message: edited,
          mentionsBefore: { userIds: [], room: false },
        },
      ]);
      const history = await owner.history.list({ roomId: room.id });
      expect(history.items.find((m) => m.id === sent.id)).toEqual(edited);
      await expectGapFree(h.deps.db, room.id);
    });

    it("refuses others' messages, system notices and deleted messages, in words, changing nothing", async () => {
      const room = await newRoom("edit-rules");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "mine" });
      await refused(
        room.id,
        () => owner.messages.edit({ messageId: sent.id, text: "theirs" }),
        "FORBIDDEN",
        /only edit your own messages/,
      );
      const notice = (await owner.history.list({ roomId: room.id })).items.find((m) => m.kind === "system");
      expect(notice).toBeDefined();
      await refused(
        room.id,
        () => owner.messages.edit({ messageId: notice?.id ?? 0, text: "x" }),
        "FORBIDDEN",
        /system notices can't be edited/,
      );
      await ann.caller.messages.delete({ messageId: sent.id });
      await refused(
        room.id,
        () => ann.caller.messages.edit({ messageId: sent.id, text: "back" }),
        "CONFLICT",
        new RegExp(`message ${sent.id} was deleted: it can't be edited`),
      );
      await refused(
        room.id,
        () => ann.caller.messages.edit({ messageId: sent.id, text: "   " }),
        "BAD_REQUEST",
        /empty/,
      );
    });

    it("answers an edit to the same text with the message, taking no sequence number", async () => {
      const room = await newRoom("edit-same");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "same" });
      expect(await unchanged(room.id, () => ann.caller.messages.edit({ messageId: sent.id, text: " same " }))).toEqual(
        sent,
      );
    });

    it("refuses edits past MESSAGE_EDIT_WINDOW, and allows them within it", async () => {
      const room = await newRoom("edit-window");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "soon" });
      h.deps.messages.editWindowSeconds = 120;
      try {
        h.setNow(new Date(Date.parse(sent.createdAt) + 60_000));
        expect((await ann.caller.messages.edit({ messageId: sent.id, text: "within" })).body).toBe("within");
        h.setNow(new Date(Date.parse(sent.createdAt) + 121_000));
        await refused(
          room.id,
          () => ann.caller.messages.edit({ messageId: sent.id, text: "too late" }),
          "FORBIDDEN",
          /messages can be edited for 2 minutes after sending/,
        );
      } finally {
        h.deps.messages.editWindowSeconds = null;
        h.setNow(null);
      }
      expect((await ann.caller.messages.edit({ messageId: sent.id, text: "unlimited" })).body).toBe("unlimited");
    });
  });

  describe("delete", () => {
    it("leaves a tombstone: the text, reactions, mentions and pin gone from storage", async () => {
      const room = await newRoom("delete");
      const secret = `secret-${Math.random().toString(36).slice(2)}`;
      const sent = await ann.caller.messages.send({ roomId: room.id, text: `${secret} first` });
      const mentioning = await owner.messages.send({ roomId: room.id, text: `${secret}-2 for @${ann.username}` });
      await ann.caller.messages.edit({ messageId: sent.id, text: `${secret} edited` });
      await owner.messages.react({ messageId: mentioning.id, emoji: "👍" });
      await ann.caller.messages.pin({ messageId: mentioning.id });
      expect(await rowsHolding(h.deps.db, secret)).toBe(2);

      const heard = await h.listen(`room:${room.id}`);
      const gone = await owner.messages.delete({ messageId: mentioning.id });
      const mine = await ann.caller.messages.delete({ messageId: sent.id });
      heard.stop();
      expect(gone).toMatchObject({
        id: mentioning.id,
        seq: mentioning.seq,
        body: "",
        notice: null,
        pinnedAt: null,
        reactions: [],
        mentions: { userIds: [], room: false },
        author: { id: ownerId },
      });
      expect(gone.deletedAt).not.toBeNull();
      expect(mine.editedAt).not.toBeNull(); // kept: the tombstone says when it was last changed
      expect(await rowsHolding(h.deps.db, secret)).toBe(0);
      const state = await roomState(h.deps.db, room.id);
      expect(state.reactions).toEqual([]);
      expect(state.mentions).toEqual([]);
      expect(changesOf(heard.events)).toMatchObject([
        { change: "deleted", actorId: ownerId, message: gone, mentionsBefore: { userIds: [ann.id], room: false } },
        { change: "deleted", actorId: ann.id, message: mine, mentionsBefore: { userIds: [], room: false } },
      ]);
      // History keeps the tombstones, as they are now.
      const items = (await ann.caller.history.list({ roomId: room.id })).items;
      expect(items.filter((m) => m.deletedAt !== null).map((m) => m.id)).toEqual([mentioning.id, sent.id]);
      expect(await ann.caller.messages.pinned({ roomId: room.id })).toEqual([]);
      await expectGapFree(h.deps.db, room.id);
    });

    it("lets the author and the room's owner delete, nobody else; twice is a conflict", async () => {
      const room = await newRoom("delete-rules");
      const byOwner = await owner.messages.send({ roomId: room.id, text: "owner's" });
      const byAnn = await ann.caller.messages.send({ roomId: room.id, text: "ann's" });
      await refused(
        room.id,
        () => ann.caller.messages.delete({ messageId: byOwner.id }),
        "FORBIDDEN",
        /only delete your own messages/,
      );
      expect((await owner.messages.delete({ messageId: byAnn.id })).deletedAt).not.toBeNull();
      await refused(
        room.id,
        () => ann.caller.messages.delete({ messageId: byAnn.id }),
        "CONFLICT",
        new RegExp(`message ${byAnn.id} was already deleted`),
      );
      await refused(
        room.id,
        () => ann.caller.messages.react({ messageId: byAnn.id, emoji: "👍" }),
        "CONFLICT",
        /was deleted: it can't be reacted to/,
      );
      await refused(
        room.id,
        () => ann.caller.messages.pin({ messageId: byAnn.id }),
        "CONFLICT",
        /was deleted: it can't be pinned/,
      );
      // Nothing of a tombstone is left to unpin or unreact: those change nothing.
      await unchanged(room.id, () => ann.caller.messages.unpin({ messageId: byAnn.id }));
      await unchanged(room.id, () => ann.caller.messages.unreact({ messageId: byAnn.id, emoji: "👍" }));
      await expectGapFree(h.deps.db, room.id);
    });
  });

  describe("reactions", () => {
    it("counts each emoji with who reacted, idempotently both ways", async () => {
      const room = await newRoom("react");
      const sent = await owner.messages.send({ roomId: room.id, text: "react to me" });
      const heard = await h.listen(`room:${room.id}`);
      await owner.messages.react({ messageId: sent.id, emoji: "👍" });
      await ann.caller.messages.react({ messageId: sent.id, emoji: "👍🏽" });
      const both = await ann.caller.messages.react({ messageId: sent.id, emoji: "👍" });
      heard.stop();
      expect(both.reactions).toEqual([
        { emoji: "👍", count: 2, userIds: [ownerId, ann.id] },
        { emoji: "👍🏽", count: 1, userIds: [ann.id] },
      ]);
      expect(changesOf(heard.events).map((e) => e.type === "room.change" && [e.change, e.emoji, e.actorId])).toEqual([
        ["reacted", "👍", ownerId],
        ["reacted", "👍🏽", ann.id],
        ["reacted", "👍", ann.id],
      ]);
      expect(await unchanged(room.id, () => ann.caller.messages.react({ messageId: sent.id, emoji: "👍" }))).toEqual(
        both,
      );
      const fewer = await ann.caller.messages.unreact({ messageId: sent.id, emoji: "👍" });
      expect(fewer.reactions).toEqual([
        { emoji: "👍", count: 1, userIds: [ownerId] },
        { emoji: "👍🏽", count: 1, userIds: [ann.id] },
      ]);
      expect(await unchanged(room.id, () => ann.caller.messages.unreact({ messageId: sent.id, emoji: "👍" }))).toEqual(
        fewer,
      );
      expect((await owner.history.list({ roomId: room.id })).items[0]).toEqual(fewer);
      await expectGapFree(h.deps.db, room.id);
    });

    it("takes each emoji in one spelling, with or without U+FE0F, so that they are one reaction", async () => {
      const room = await newRoom("react-spelling");
      const sent = await owner.messages.send({ roomId: room.id, text: "love it" });
      await owner.messages.react({ messageId: sent.id, emoji: "❤" }); // as typed on many keyboards
      await ann.caller.messages.react({ messageId: sent.id, emoji: "❤\uFE0F" }); // as emoji pickers write it
      const both = await ann.caller.messages.react({ messageId: sent.id, emoji: "👍\uFE0F" }); // emojibase's spelling
      expect(both.reactions).toEqual([
        { emoji: "❤\uFE0F", count: 2, userIds: [ownerId, ann.id] },
        { emoji: "👍", count: 1, userIds: [ann.id] },
      ]);
      const after = await ann.caller.messages.unreact({ messageId: sent.id, emoji: "👍" });
      expect(after.reactions).toEqual([{ emoji: "❤\uFE0F", count: 2, userIds: [ownerId, ann.id] }]);
      await expectGapFree(h.deps.db, room.id);
    });

    it("refuses anything but one emoji, in words, changing nothing", async () => {
      const room = await newRoom("react-bad");
      const sent = await owner.messages.send({ roomId: room.id, text: "x" });
      for (const emoji of ["a", "ok", "👍👍", "👍a", ":)", "1", "#", "  "]) {
        await refused(room.id, () => owner.messages.react({ messageId: sent.id, emoji }), "BAD_REQUEST", /emoji/);
      }
      await refused(
        room.id,
        () => owner.messages.react({ messageId: sent.id, emoji: "xy" }),
        "BAD_REQUEST",
        /reactions must be a single emoji/,
      );
      for (const emoji of ["🇫🇷", "1️⃣", "👨‍👩‍👧", "🏳️‍🌈", "❤️"]) {
        expect((await owner.messages.react({ messageId: sent.id, emoji })).reactions.map((r) => r.emoji)).toContain(
          emoji,
        );
      }
    });

    it(`allows at most ${MAX_REACTIONS_PER_MESSAGE} distinct emoji on a message`, async () => {
      const room = await newRoom("react-max");
      const sent = await owner.messages.send({ roomId: room.id, text: "popular" });
      const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩"];
      for (const e of emoji.slice(0, MAX_REACTIONS_PER_MESSAGE))
        await owner.messages.react({ messageId: sent.id, emoji: e });
      await refused(
        room.id,
        () => ann.caller.messages.react({ messageId: sent.id, emoji: emoji[MAX_REACTIONS_PER_MESSAGE] ?? "" }),
        "CONFLICT",
        new RegExp(`at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`),
      );
      // One already there is still welcome.
      const more = await ann.caller.messages.react({ messageId: sent.id, emoji: emoji[0] ?? "" });
      expect(more.reactions[0]).toEqual({ emoji: emoji[0], count: 2, userIds: [ownerId, ann.id] });
    });
  });

  describe("pins", () => {
    it("lets any member pin and unpin, idempotently, newest pin first", async () => {
      const room = await newRoom("pin");
      const first = await owner.messages.send({ roomId: room.id, text: "first" });
      const second = await owner.messages.send({ roomId: room.id, text: "second" });
      const heard = await h.listen(`room:${room.id}`);
      const pinned = await ann.caller.messages.pin({ messageId: first.id });
      expect(pinned.pinnedAt).not.toBeNull();
      await owner.messages.pin({ messageId: second.id });
      heard.stop();
      expect(changesOf(heard.events).map((e) => e.type === "room.change" && [e.change, e.actorId])).toEqual([
        ["pinned", ann.id],
        ["pinned", ownerId],
      ]);
      await unchanged(room.id, () => owner.messages.pin({ messageId: first.id }));
      expect((await ann.caller.messages.pinned({ roomId: room.id })).map((m) => m.id)).toEqual([second.id, first.id]);
      expect((await ann.caller.messages.unpin({ messageId: second.id })).pinnedAt).toBeNull();
      await unchanged(room.id, () => ann.caller.messages.unpin({ messageId: second.id }));
      expect((await owner.messages.pinned({ roomId: room.id })).map((m) => m.id)).toEqual([first.id]);
      await expectTrpcError(stranger.messages.pinned({ roomId: room.id }), "FORBIDDEN", /not a member/);
      await expectGapFree(h.deps.db, room.id);
    });

    it(`allows at most ${MAX_PINNED_PER_ROOM} pinned messages in a room`, async () => {
      const room = await newRoom("pin-max");
      const sent: MessageOut[] = [];
      for (let i = 0; i <= MAX_PINNED_PER_ROOM; i++)
        sent.push(await owner.messages.send({ roomId: room.id, text: `m${i}` }));
      for (const m of sent.slice(0, MAX_PINNED_PER_ROOM)) await owner.messages.pin({ messageId: m.id });
      await refused(
        room.id,
        () => ann.caller.messages.pin({ messageId: sent[MAX_PINNED_PER_ROOM]?.id ?? 0 }),
        "CONFLICT",
        new RegExp(`at most ${MAX_PINNED_PER_ROOM} pinned messages`),
      );
      expect(await owner.messages.pinned({ roomId: room.id })).toHaveLength(MAX_PINNED_PER_ROOM);
    }, 60_000);
  });

  describe("bad input", () => {
    it("refuses malformed ids, texts and emoji at the boundary, in words, changing nothing", async () => {
      const room = await newRoom("boundary");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "fine" });
      const malformed: [() => Promise<unknown>, RegExp][] = [
        [() => ann.caller.messages.edit({ messageId: -1, text: "x" }), /messageId must be positive/],
        [() => ann.caller.messages.edit({ messageId: 1.5, text: "x" }), /messageId must be a whole number/],
        [() => ann.caller.messages.edit({ messageId: "7" as never, text: "x" }), /messageId must be a number/],
        [() => ann.caller.messages.edit({ messageId: sent.id, text: "x".repeat(4001) }), /at most 4000 characters/],
        [() => ann.caller.messages.delete({ messageId: 0 }), /messageId must be positive/],
        [() => ann.caller.messages.react({ messageId: sent.id, emoji: "👍".repeat(70) }), /emoji is too long/],
        [() => ann.caller.messages.react({ messageId: sent.id, emoji: 7 as never }), /emoji must be a string/],
        [() => ann.caller.messages.pin({ messageId: Number.MAX_SAFE_INTEGER + 2 }), /messageId is too large/],
        [() => ann.caller.messages.thread({ messageId: sent.id, limit: 101 }), /limit/],
        [() => ann.caller.messages.send({ roomId: room.id, text: "x", parentId: -4 }), /messageId must be positive/],
      ];
      for (const [call, words] of malformed) await refused(room.id, call, "BAD_REQUEST", words);
    });
  });

  describe("who may act", () => {
    it("answers a stranger to a private room exactly as for a message that does not exist", async () => {
      const room = await newRoom("private", true);
      const sent = await owner.messages.send({ roomId: room.id, text: "hidden" });
      const missing = sent.id + 1_000_000;
      const attempts = (messageId: number) => [
        () => stranger.messages.edit({ messageId, text: "x" }),
        () => stranger.messages.delete({ messageId }),
        () => stranger.messages.react({ messageId, emoji: "👍" }),
        () => stranger.messages.unreact({ messageId, emoji: "👍" }),
        () => stranger.messages.pin({ messageId }),
        () => stranger.messages.unpin({ messageId }),
        () => stranger.messages.thread({ messageId }),
      ];
      const hidden = attempts(sent.id);
      const absent = attempts(missing);
      for (let i = 0; i < hidden.length; i++) {
        const a = await expectTrpcError((hidden[i] as () => Promise<unknown>)(), "NOT_FOUND");
        const b = await expectTrpcError((absent[i] as () => Promise<unknown>)(), "NOT_FOUND");
        expect(a.message).toBe(`message ${sent.id} was not found`);
        expect(b.message).toBe(`message ${missing} was not found`);
      }
      await expectTrpcError(stranger.messages.pinned({ roomId: room.id }), "NOT_FOUND", /room was not found/);
      // Members of the private room act as anywhere else.
      expect((await ann.caller.messages.react({ messageId: sent.id, emoji: "👀" })).reactions).toHaveLength(1);
    });

    it("tells a public room's outsider to join first", async () => {
      const room = await newRoom("public");
      const sent = await owner.messages.send({ roomId: room.id, text: "open" });
      await refused(
        room.id,
        () => stranger.messages.react({ messageId: sent.id, emoji: "👍" }),
        "FORBIDDEN",
        /join it first/,
      );
      await refused(room.id, () => stranger.messages.pin({ messageId: sent.id }), "FORBIDDEN", /join it first/);
    });
  });
});
