import { describe, expect, it } from "vitest";
import type { Message } from "../src/client/trpc";
import { countsAfter } from "../src/client/use-conversations";
import { emptyTimeline, type Timeline, timelineReducer } from "../src/client/use-room-timeline";

/** A message as the API sends it, with what a test changes. */
function message(id: number, seq: number, extra: Partial<Message> = {}): Message {
  return {
    id,
    roomId: 1,
    seq,
    kind: "text",
    author: { id: 7, username: "ann", displayName: null, isBot: false },
    senderOverride: null,
    body: `message ${id}`,
    notice: null,
    clientId: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    parentId: null,
    editedAt: null,
    deletedAt: null,
    pinnedAt: null,
    reactions: [],
    mentions: { userIds: [], room: false },
    thread: null,
    files: [],
    ...extra,
  };
}

const loaded = (items: Message[]): Timeline =>
  timelineReducer(emptyTimeline, { type: "loaded", items, hasOlder: false });

describe("the room timeline's state", () => {
  it("starts the room's stream where the newest page was read, not at its newest message", () => {
    const state = timelineReducer(emptyTimeline, {
      type: "loaded",
      items: [message(1, 1)],
      hasOlder: false,
      lastSeq: 9,
    });
    expect(state.startAfter).toBe(9);
    const again = timelineReducer(state, { type: "loaded", items: [message(1, 1)], hasOlder: false, lastSeq: 12 });
    expect(again.startAfter).toBe(9); // a reset reloads the page; the stream goes on from where it is
  });

  it("holds each message once, by id, in sequence order, as its newest copy says", () => {
    let state = loaded([message(1, 1), message(2, 2)]);
    state = timelineReducer(state, { type: "received", items: [message(3, 5), message(2, 2)] });
    state = timelineReducer(state, {
      type: "changed",
      message: message(1, 1, { body: "fixed", editedAt: "2026-01-01T00:01:00.000Z" }),
    });
    expect(state.messages.map((m) => [m.id, m.body])).toEqual([
      [1, "fixed"],
      [2, "message 2"],
      [3, "message 3"],
    ]);
    expect(state.startAfter).toBe(2);
  });

  it("never brings a tombstone's text back, whatever arrives after the deletion", () => {
    let state = loaded([message(1, 1)]);
    state = timelineReducer(state, {
      type: "changed",
      message: message(1, 1, { body: "", deletedAt: "2026-01-01T00:02:00.000Z" }),
    });
    state = timelineReducer(state, {
      type: "changed",
      message: message(1, 1, { body: "late edit", editedAt: "2026-01-01T00:01:00.000Z" }),
    });
    state = timelineReducer(state, { type: "received", items: [message(1, 1)] });
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]?.body).toBe("");
    expect(state.messages[0]?.deletedAt).not.toBeNull();
  });

  it("does not pull a changed message older than the pages loaded into the timeline", () => {
    let state = loaded([message(5, 5)]);
    state = timelineReducer(state, {
      type: "changed",
      message: message(1, 1, { pinnedAt: "2026-01-01T00:00:00.000Z" }),
    });
    expect(state.messages.map((m) => m.id)).toEqual([5]);
  });

  it("files replies under their thread, not in the timeline, and updates the parent's summary", () => {
    let state = loaded([message(1, 1)]);
    const thread = { replyCount: 1, lastReplyAt: "2026-01-01T00:00:03.000Z", participantIds: [8] };
    // Not opened yet: only the summary changes.
    state = timelineReducer(state, {
      type: "received",
      items: [message(2, 3, { parentId: 1 })],
      parent: { id: 1, thread },
    });
    expect(state.messages.map((m) => m.id)).toEqual([1]);
    expect(state.messages[0]?.thread).toEqual(thread);
    expect(state.replies[1]).toBeUndefined();
    expect(state.newestSeq).toBe(3);

    // Opened: its page, then a live reply, then an edit of the first reply.
    state = timelineReducer(state, {
      type: "thread",
      parent: message(1, 1, { thread }),
      items: [message(2, 3, { parentId: 1 })],
      hasMore: false,
    });
    state = timelineReducer(state, {
      type: "received",
      items: [message(3, 4, { parentId: 1 })],
      parent: { id: 1, thread: { ...thread, replyCount: 2 } },
    });
    state = timelineReducer(state, { type: "changed", message: message(2, 3, { parentId: 1, body: "edited reply" }) });
    expect(state.replies[1]?.map((m) => [m.id, m.body])).toEqual([
      [2, "edited reply"],
      [3, "message 3"],
    ]);
    expect(state.threadComplete[1]).toBe(true);
    expect(state.messages.map((m) => m.id)).toEqual([1]);
    expect(state.messages[0]?.thread?.replyCount).toBe(2);
  });

  it("keeps the parent of a thread opened from older history current", () => {
    let state = loaded([message(9, 9)]);
    state = timelineReducer(state, { type: "thread", parent: message(1, 1), items: [], hasMore: false });
    state = timelineReducer(state, {
      type: "changed",
      message: message(1, 1, { body: "", deletedAt: "2026-01-01T00:00:00.000Z" }),
    });
    expect(state.parents[1]?.deletedAt).not.toBeNull();
    expect(state.messages.map((m) => m.id)).toEqual([9]);
  });
});

describe("the room timeline opened around an older message (a search result)", () => {
  const around = (hasNewer: boolean) =>
    timelineReducer(emptyTimeline, {
      type: "around",
      items: [message(10, 10), message(11, 11), message(12, 12)],
      anchorId: 11,
      hasOlder: true,
      hasNewer,
      lastSeq: 90,
    });

  it("holds the window, its anchor, and no stream until the newest is reached", () => {
    const state = around(true);
    expect(state.loaded).toBe(true);
    expect(state.anchorId).toBe(11);
    expect(state.hasOlder).toBe(true);
    expect(state.hasNewer).toBe(true);
    expect(state.startAfter).toBeNull();
    expect(state.messages.map((m) => m.id)).toEqual([10, 11, 12]);
  });

  it("pages newer messages in, then starts the stream where the window was read", () => {
    let state = around(true);
    state = timelineReducer(state, { type: "loading-newer" });
    expect(state.loadingNewer).toBe(true);
    state = timelineReducer(state, {
      type: "newer",
      items: [message(13, 13), message(14, 14)],
      hasNewer: true,
      lastSeq: 95,
      generation: state.generation,
    });
    expect(state.startAfter).toBeNull();
    expect(state.loadingNewer).toBe(false);
    state = timelineReducer(state, {
      type: "newer",
      items: [message(14, 14), message(15, 20)],
      hasNewer: false,
      lastSeq: 99,
      generation: state.generation,
    });
    expect(state.hasNewer).toBe(false);
    // From where the window was read: changes to the messages paged through meanwhile are replayed.
    expect(state.startAfter).toBe(90);
    expect(state.newestSeq).toBe(20);
    expect(state.messages.map((m) => m.id)).toEqual([10, 11, 12, 13, 14, 15]);
  });

  it("drops a page of newer or older messages asked for under a window the timeline has left (no gap joined in)", () => {
    const window = timelineReducer(around(true), { type: "loading-newer" });
    const asked = window.generation;
    // Jump to latest while that page is on its way: the newest page replaces the window.
    const newest = timelineReducer(window, {
      type: "loaded",
      items: [message(50, 500), message(51, 501)],
      hasOlder: true,
      lastSeq: 501,
    });
    expect(newest.loadingNewer).toBe(false);
    const late = timelineReducer(newest, {
      type: "newer",
      items: [message(13, 13)],
      hasNewer: true,
      lastSeq: 95,
      generation: asked,
    });
    expect(late).toBe(newest);
    const lateOlder = timelineReducer(newest, {
      type: "older",
      items: [message(9, 9)],
      hasOlder: true,
      generation: asked,
    });
    expect(lateOlder).toBe(newest);
    expect(late.messages.map((m) => m.id)).toEqual([50, 51]);
    expect(late.hasNewer).toBe(false);
  });

  it("starts the stream at once when the window already reaches the newest message", () => {
    expect(around(false).startAfter).toBe(90);
  });

  it("goes to the newest page (Jump to latest, or a message sent) and leaves the window behind", () => {
    const state = timelineReducer(around(true), {
      type: "loaded",
      items: [message(40, 40)],
      hasOlder: true,
      lastSeq: 99,
    });
    expect(state.hasNewer).toBe(false);
    expect(state.anchorId).toBeNull();
    expect(state.startAfter).toBe(99);
    expect(state.messages.map((m) => m.id)).toEqual([40]);
  });
});

describe("the sidebar's counts after an activity", () => {
  const base = { unread: 2, mentions: 1, lastReadSeq: 10 };
  const activity = (extra: Partial<Parameters<typeof countsAfter>[1]>) => ({
    type: "room.activity" as const,
    roomId: 1,
    seq: 20,
    change: "created" as const,
    messageId: 5,
    messageSeq: 20,
    authorId: 8,
    kind: "text" as const,
    parentId: null,
    mentioned: false,
    mentionedBefore: false,
    ...extra,
  });

  it("counts a new message by someone else, and a mention of me, replies' mentions too", () => {
    expect(countsAfter(base, activity({ mentioned: true }), 7, false)).toEqual({ unread: 3, mentions: 2 });
    expect(countsAfter(base, activity({ parentId: 3, mentioned: true }), 7, false)).toEqual({ unread: 2, mentions: 2 });
    expect(countsAfter(base, activity({ authorId: 7 }), 7, false)).toEqual({ unread: 2, mentions: 1 });
    expect(countsAfter(base, activity({ mentioned: true }), 7, true)).toEqual({});
  });

  it("follows an edit that adds or removes a mention, and a deletion, after the read mark only", () => {
    expect(countsAfter(base, activity({ change: "edited", mentioned: true }), 7, false)).toEqual({ mentions: 2 });
    expect(countsAfter(base, activity({ change: "edited", mentionedBefore: true }), 7, false)).toEqual({ mentions: 0 });
    expect(countsAfter(base, activity({ change: "deleted", mentionedBefore: true }), 7, false)).toEqual({
      unread: 1,
      mentions: 0,
    });
    expect(countsAfter(base, activity({ change: "deleted", messageSeq: 9, mentionedBefore: true }), 7, false)).toEqual(
      {},
    );
  });
});
