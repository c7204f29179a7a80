import { randomBytes } from "node:crypto";
import { testRedisUrl } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBus, createRedisBus } from "../src/bus";
import type { Actor, Deps } from "../src/deps";
import type { UserStreamEvent } from "../src/services/live";
import { deleteMessage, editMessage, react } from "../src/services/message-actions";
import { sendMessage } from "../src/services/messages";
import { createHarness, type Harness, readStream } from "./harness";

/**
 * The user stream's promise: a client that starts from `rooms.mine` and applies each `room.activity`
 * and `room.counts` the way the contract says ends with the counts `rooms.mine` shows, however
 * messages, mentions, edits, deletions and reactions race, and whatever the bus loses.
 */

interface Counts {
  unread: number;
  mentions: number;
}

/** A client's counts for one room, moved by its stream's events (it never reads the room). */
function applyActivity(counts: Counts, event: UserStreamEvent, me: number, readMark: number): void {
  if (event.type === "room.counts") {
    counts.unread = event.unread;
    counts.mentions = event.mentions;
    return;
  }
  if (event.type !== "room.activity" || event.messageSeq <= readMark) return;
  const unreadable = event.kind === "text" && event.parentId === null && event.authorId !== me;
  if (event.change === "created") {
    if (unreadable) counts.unread++;
    if (event.mentioned) counts.mentions++;
  } else if (event.change === "edited") {
    counts.mentions += Number(event.mentioned) - Number(event.mentionedBefore);
  } else {
    if (unreadable) counts.unread--;
    if (event.mentionedBefore) counts.mentions--;
  }
}

describe("the user stream's counts, applied by a client, match the database's (PostgreSQL, Redis bus)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(
      "postgres",
      createRedisBus(testRedisUrl, { prefix: `parley-test-${process.pid}-${Date.now()}:` }),
    );
  });
  afterAll(() => h?.dispose());

  it("through racing sends, mention edits, deletions and reactions, some of them lost on the bus (30 trials)", async () => {
    const ann = await h.signUp();
    const cat = await h.signUp();
    const ben = await h.signUp();
    const actorOf = (u: { id: number; username: string }): Actor => ({
      userId: u.id,
      username: u.username,
      displayName: null,
      jti: randomBytes(4).toString("hex"),
      tokenExpiresAt: new Date(Date.now() + 3600_000),
      tokenIssuedAt: new Date(),
      role: "member" as const,
      isBot: false,
    });
    const deaf: Deps = { ...h.deps, bus: createMemoryBus() }; // commits, heard by nobody
    for (let trial = 0; trial < 30; trial++) {
      const room = await ann.caller.rooms.create({ name: `counts-${trial}-${randomBytes(3).toString("hex")}` });
      await cat.caller.rooms.join({ roomId: room.id });
      await ben.caller.rooms.join({ roomId: room.id });
      const stop = new AbortController();
      const stream = await readStream(h.callerFor(ben.token, stop.signal).events.mine());
      await ben.caller.profile.update({ displayName: `Ben ${trial}` });
      for (;;) if ((await stream.next(1))[0]?.type === "user.profile") break;
      const start = (await ben.caller.rooms.mine()).find((r) => r.id === room.id);
      if (!start) throw new Error("ben is not in the room");
      const counts: Counts = { unread: start.unread, mentions: start.mentions };
      let read = 0;

      const depsFor = (i: number) => (i % 5 === trial % 5 ? deaf : h.deps);
      const writers = [ann, cat].map(async (writer, w) => {
        const actor = actorOf(writer);
        for (let i = 0; i < 4; i++) {
          const mention = (i + w + trial) % 2 === 0 ? ` @${ben.username}` : "";
          const sent = await sendMessage(depsFor(i + w), actor, { roomId: room.id, text: `m${i}${mention}` });
          if ((i + trial) % 3 === 0) {
            await editMessage(depsFor(i + 1), actor, {
              messageId: sent.id,
              text: mention ? "no one" : `@${ben.username}!`,
            });
          }
          if ((i + w) % 3 === 1) await react(h.deps, actorOf(ben), { messageId: sent.id, emoji: "👍" });
          if ((i + w + trial) % 4 === 0) await deleteMessage(depsFor(i + 2), actor, { messageId: sent.id });
        }
      });
      await Promise.all(writers);
      // Last messages, heard by all, until two in a row come with no counts after either. One may
      // reveal a gap: then its activity comes, and after it the room's counts read with the room's
      // sequence number (the events up to that are in the counts, their activity skipped: a later
      // last message's too, if it was in by then). Once a last message's activity is followed by
      // the next one's with nothing between, everything before is accounted for.
      for (let clean = 0; clean < 2; ) {
        const last = await ann.caller.messages.send({ roomId: room.id, text: "the end" });
        for (;;) {
          const [event] = await stream.next(1);
          if (!event || !(event.type === "room.activity" || event.type === "room.counts")) continue;
          if (event.roomId !== room.id) continue;
          applyActivity(counts, event, ben.id, start.lastReadSeq);
          read++;
          if (event.type === "room.counts") {
            clean = 0;
            break;
          }
          if (event.messageId === last.id) {
            clean++;
            break;
          }
        }
      }
      stop.abort();
      const now = (await ben.caller.rooms.mine()).find((r) => r.id === room.id);
      expect({ trial, ...counts }).toEqual({ trial, unread: now?.unread, mentions: now?.mentions });
      expect(read).toBeGreaterThan(0);
    }
  });
});
