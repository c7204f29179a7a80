import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_REACTIONS_PER_MESSAGE } from "../src/schemas";
import { type Caller, createHarness, type Harness } from "./harness";
import { expectGapFree, roomState, rowsHolding } from "./message-state";

const TRIALS = 30;

/** What a call failed with, or null when it succeeded. */
const failureOf = (call: Promise<unknown>) =>
  call.then(
    () => null,
    (error: unknown) => error,
  );

/**
 * Changes racing each other: a room's writes take turns on its row lock (see `nextSeq`), so every
 * interleaving ends in a state some order of the calls explains, with a gap-free sequence.
 */
describe.each(drivers)("racing changes on %s", (driver) => {
  let h: Harness;
  let owner: Caller;
  const people: { caller: Caller; id: number }[] = [];
  beforeAll(async () => {
    h = await createHarness(driver);
    owner = (await h.signUp()).caller;
    for (let i = 0; i < 6; i++) people.push(await h.signUp());
  });
  afterAll(() => h?.dispose());

  const newRoom = async (name: string) => {
    const room = await owner.rooms.create({ name: `${name}-${Math.random().toString(36).slice(2)}` });
    for (const p of people) await p.caller.rooms.join({ roomId: room.id });
    return room;
  };

  it(`ends many users' concurrent reactions in the right counts (${TRIALS} trials)`, async () => {
    const room = await newRoom("race-react");
    const emoji = ["👍", "🎉", "👀"];
    for (let trial = 0; trial < TRIALS; trial++) {
      const sent = await owner.messages.send({ roomId: room.id, text: `react ${trial}` });
      // Everyone reacts with every emoji, twice over, and the first person also takes one back.
      const calls = people.flatMap((p) =>
        [...emoji, ...emoji].map((e) => () => p.caller.messages.react({ messageId: sent.id, emoji: e })),
      );
      await Promise.all(calls.map((call) => call()));
      await Promise.all([
        people[0]?.caller.messages.unreact({ messageId: sent.id, emoji: "👀" }),
        people[0]?.caller.messages.unreact({ messageId: sent.id, emoji: "👀" }),
      ]);
      const [message] = (await owner.history.list({ roomId: room.id, limit: 1 })).items;
      const counts = Object.fromEntries((message?.reactions ?? []).map((r) => [r.emoji, r.count]));
      expect(counts).toEqual({ "👍": people.length, "🎉": people.length, "👀": people.length - 1 });
    }
    // Each reaction added or removed took exactly one number: 6 people × 3 emoji + 1 removal per trial.
    const state = await roomState(h.deps.db, room.id);
    expect(state.changes).toHaveLength(TRIALS * (people.length * emoji.length + 1));
    await expectGapFree(h.deps.db, room.id);
  }, 120_000);

  it(`never lets concurrent new emoji pass ${MAX_REACTIONS_PER_MESSAGE} distinct on a message (${TRIALS} trials)`, async () => {
    const room = await newRoom("race-react-max");
    const emoji = [..."😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔🤨😐😑"];
    for (let trial = 0; trial < TRIALS; trial++) {
      const sent = await owner.messages.send({ roomId: room.id, text: `popular ${trial}` });
      const failures = await Promise.all(
        emoji.map((e, i) =>
          failureOf(
            (people[i % people.length] as { caller: Caller }).caller.messages.react({ messageId: sent.id, emoji: e }),
          ),
        ),
      );
      const refused = failures.filter((f) => f !== null);
      expect(refused).toHaveLength(emoji.length - MAX_REACTIONS_PER_MESSAGE);
      for (const f of refused) expect(String(f)).toMatch(/at most 20 different reactions/);
      const [message] = (await owner.history.list({ roomId: room.id, limit: 1 })).items;
      expect(message?.reactions).toHaveLength(MAX_REACTIONS_PER_MESSAGE);
    }
    await expectGapFree(h.deps.db, room.id);
  }, 120_000);

  it(`never lets an edit racing a delete bring the text back (${TRIALS} trials)`, async () => {
    const room = await newRoom("race-edit");
    const author = people[0] as { caller: Caller; id: number };
    let editsFirst = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const original = `original-${trial}-${Math.random().toString(36).slice(2)}`;
      const edit = `edited-${trial}-${Math.random().toString(36).slice(2)}`;
      const sent = await author.caller.messages.send({ roomId: room.id, text: original });
      const deleter = trial % 2 === 0 ? author.caller : owner;
      // Started in either order, so that even a one-connection database sees both interleavings.
      const editing = () => author.caller.messages.edit({ messageId: sent.id, text: edit });
      const deleting = () => deleter.messages.delete({ messageId: sent.id });
      const [editError, deleteError] =
        trial % 4 < 2
          ? await Promise.all([failureOf(editing()), failureOf(deleting())])
          : (await Promise.all([failureOf(deleting()), failureOf(editing())])).reverse();
      expect(deleteError).toBeNull();
      if (editError === null) editsFirst++;
      else expect(String(editError)).toMatch(/was deleted: it can't be edited/);
      const [now] = (await owner.history.list({ roomId: room.id, limit: 1 })).items;
      expect(now).toMatchObject({ id: sent.id, body: "" });
      expect(now?.deletedAt).not.toBeNull();
      expect(await rowsHolding(h.deps.db, original)).toBe(0);
      expect(await rowsHolding(h.deps.db, edit)).toBe(0);
    }
    await expectGapFree(h.deps.db, room.id);
    console.log(`edit vs delete: the edit landed first in ${editsFirst} of ${TRIALS} trials`);
  }, 120_000);

  it(`keeps a thread's count true when replies race its parent's deletion (${TRIALS} trials)`, async () => {
    const room = await newRoom("race-reply");
    let repliesBefore = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const parent = await owner.messages.send({ roomId: room.id, text: `parent ${trial}` });
      // The deletion starts first, last or in the middle of the replies.
      const replying = people.map(
        (p) => () => p.caller.messages.send({ roomId: room.id, text: `reply ${trial}`, parentId: parent.id }),
      );
      const at = trial % (people.length + 1);
      const calls = [
        ...replying.slice(0, at),
        () => owner.messages.delete({ messageId: parent.id }),
        ...replying.slice(at),
      ];
      const failures = await Promise.all(calls.map((call) => failureOf(call())));
      expect(failures[at]).toBeNull(); // the deletion
      const replyFailures = [...failures.slice(0, at), ...failures.slice(at + 1)];
      for (const failure of replyFailures) {
        if (failure !== null) expect(String(failure)).toMatch(/can't reply to a deleted message/);
      }
      const stored = replyFailures.filter((failure) => failure === null);
      repliesBefore += stored.length;
      const thread = await owner.messages.thread({ messageId: parent.id });
      expect(thread.parent.deletedAt).not.toBeNull();
      expect(thread.items).toHaveLength(stored.length);
      expect(thread.parent.thread?.replyCount ?? 0).toBe(stored.length);
      expect(new Set(thread.parent.thread?.participantIds ?? [])).toEqual(
        new Set(thread.items.map((m) => m.author?.id)),
      );
    }
    await expectGapFree(h.deps.db, room.id);
    console.log(`replies vs parent deletion: ${repliesBefore} of ${TRIALS * people.length} replies got in first`);
  }, 120_000);
  it(`lets a rename race a message (sent or edited) that mentions the renamed member, without a deadlock (${TRIALS} trials)`, async () => {
    const rooms = [await newRoom("race-rename-a"), await newRoom("race-rename-b")];
    const renamed = people[1] as { caller: Caller; id: number };
    let mentionedFirst = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const name = (await renamed.caller.profile.mine()).username;
      // A rename locks the user, then takes each of their rooms' next sequence number; a message
      // takes its room's first, then stores who it mentions: neither may wait for the other.
      const draft = await owner.messages.send({ roomId: rooms[1]?.id ?? 0, text: `draft ${trial}` });
      const sending = [
        owner.messages.send({ roomId: rooms[0]?.id ?? 0, text: `@${name} and @room, trial ${trial}` }),
        owner.messages.edit({ messageId: draft.id, text: `draft ${trial} for @${name}` }),
      ];
      const renaming = renamed.caller.profile.rename({
        username: `renamed-${trial}-${Math.random().toString(36).slice(2, 8)}`,
      });
      const [failures, renameFailure] = await Promise.all([
        Promise.all(sending.map((call) => failureOf(call))),
        failureOf(renaming),
      ]);
      expect(renameFailure).toBeNull();
      expect(failures).toEqual([null, null]);
      const [latest] = (await owner.history.list({ roomId: rooms[0]?.id ?? 0, limit: 2 })).items.filter(
        (m) => m.kind === "text",
      );
      if (latest?.mentions.userIds.includes(renamed.id)) mentionedFirst++;
    }
    for (const room of rooms) await expectGapFree(h.deps.db, room.id);
    console.log(`rename vs mention: the mention got in first in ${mentionedFirst} of ${TRIALS} trials`);
  }, 120_000);
});
