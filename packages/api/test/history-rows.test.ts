import { Readable } from "node:stream";
import { drivers } from "@parley/db/testing";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate } from "../src/services/auth";
import { uploadFile } from "../src/services/files";
import { createIncomingWebhook, postToIncomingWebhook } from "../src/services/incoming-webhooks";
import { readMessages } from "../src/services/message-log";
import { createHarness, type Harness } from "./harness";

/**
 * A page of history is read by its own statement and mapped straight to the wire's shape
 * (history-rows.ts); every other read of messages goes through drizzle's select and
 * `messageOutOf`. Both must answer the same messages key for key and byte for byte: authors and
 * system notices (no author), mentions, edits, tombstones, pins, reactions, threads and files.
 */
describe.each(drivers)("a page of history as the other reads of messages answer it, on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver, undefined, { files: { maxBytes: 64 * 1024 } });
  });
  afterAll(() => h?.dispose());

  it("matches readMessages for every kind of message, in every direction", async () => {
    const ann = await h.signUp();
    const bob = await h.signUp();
    const room = await ann.caller.rooms.create({ name: `rows-${Math.random().toString(36).slice(2)}` });
    await bob.caller.rooms.join({ roomId: room.id });
    const actors = { ann: await authenticate(h.deps, ann.token), bob: await authenticate(h.deps, bob.token) };
    const upload = async (who: keyof typeof actors, name: string, bytes: Buffer) =>
      (await uploadFile(h.deps, actors[who], { roomId: room.id, name }, Readable.from([bytes]))).id;
    const image = await sharp({ create: { width: 40, height: 20, channels: 3, background: "#3366cc" } })
      .png()
      .toBuffer();

    const send = (caller: typeof ann.caller, text: string, extra: object = {}) =>
      caller.messages.send({ roomId: room.id, text, ...extra });
    const plain = await send(ann.caller, "plain text");
    const mentions = await send(ann.caller, `hello @${bob.username} and @room`);
    const edited = await send(bob.caller, "before the edit");
    await bob.caller.messages.edit({ messageId: edited.id, text: "after the edit" });
    const deleted = await send(bob.caller, "gone soon", {
      fileIds: [await upload("bob", "note.txt", Buffer.from("hi"))],
    });
    await bob.caller.messages.delete({ messageId: deleted.id });
    const pinned = await send(ann.caller, "pin me");
    await ann.caller.messages.pin({ messageId: pinned.id });
    const reacted = await send(ann.caller, "react to me");
    await bob.caller.messages.react({ messageId: reacted.id, emoji: "👍" });
    await ann.caller.messages.react({ messageId: reacted.id, emoji: "🎉" });
    await ann.caller.messages.react({ messageId: reacted.id, emoji: "👍" });
    const parent = await send(ann.caller, "a thread");
    await send(bob.caller, "a reply", { parentId: parent.id });
    await send(ann.caller, "another reply", { parentId: parent.id });
    await send(ann.caller, "with files", {
      fileIds: [await upload("ann", "picture.png", image), await upload("ann", "notes.txt", Buffer.from("some notes"))],
    });
    // An incoming webhook's message, with the name and picture its payload gave.
    const hook = await createIncomingWebhook(h.deps, actors.ann, { roomId: room.id, name: "CI", allowOverrides: true });
    const [, , hookId = "", secret = ""] = hook.path.split("/");
    const body = JSON.stringify({ text: "build *passed*", username: "CI", icon_url: "https://ci.example/i.png" });
    await postToIncomingWebhook(h.deps, { hookId, secret, contentType: "application/json", body });
    await send(bob.caller, "the newest");

    const asOthersRead = async (items: { id: number }[]) =>
      readMessages(
        h.deps.db,
        items.map((m) => m.id),
      );
    const newest = await ann.caller.history.list({ roomId: room.id, limit: 100 });
    expect(newest.items.length).toBeGreaterThanOrEqual(9);
    expect(newest.items.some((m) => m.author === null)).toBe(true); // the room's system notices
    expect(newest.items.find((m) => m.senderOverride)?.senderOverride).toEqual({
      username: "CI",
      iconUrl: "https://ci.example/i.png",
    });
    expect(JSON.stringify(newest.items)).toBe(JSON.stringify(await asOthersRead(newest.items)));
    for (const m of [plain, mentions, edited, deleted, pinned, reacted, parent])
      expect(newest.items.map((i) => i.id)).toContain(m.id);

    const before = await ann.caller.history.list({ roomId: room.id, limit: 3, before: reacted.seq });
    expect(JSON.stringify(before.items)).toBe(JSON.stringify(await asOthersRead(before.items)));
    expect(before.hasMore).toBe(true);
    const after = await ann.caller.history.list({ roomId: room.id, limit: 3, after: plain.seq });
    expect(JSON.stringify(after.items)).toBe(JSON.stringify(await asOthersRead(after.items)));

    const around = await ann.caller.history.around({ roomId: room.id, seq: pinned.seq, limit: 3 });
    expect(around.anchorId).toBe(pinned.id);
    expect(JSON.stringify(around.items)).toBe(JSON.stringify(await asOthersRead(around.items)));
  });
});
