import { randomUUID } from "node:crypto";
import { readdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { schema } from "@parley/db";
import { drivers } from "@parley/db/testing";
import { eq, sql } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../src/deps";
import type { FileOut } from "../src/schemas";
import { authenticate } from "../src/services/auth";
import { signFileLink } from "../src/services/file-links";
import {
  contentDisposition,
  downloadLink,
  openSignedLink,
  PENDING_FILE_TTL_MS,
  readableFile,
  sweepFiles,
  uploadFile,
} from "../src/services/files";
import { readMessages } from "../src/services/message-log";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";

/** Issue 16's files, below the transports: upload, attach on send, read, delete, sweep. */
describe.each(drivers)("files on %s", (driver) => {
  let h: Harness;
  let ann: { caller: Caller; id: number; actor: Actor };
  let bob: { caller: Caller; id: number; actor: Actor };
  let stranger: { caller: Caller; id: number; actor: Actor };
  const person = async () => {
    const signed = await h.signUp();
    return { caller: signed.caller, id: signed.id, actor: await authenticate(h.deps, signed.token) };
  };
  beforeAll(async () => {
    h = await createHarness(driver, undefined, { files: { maxBytes: 64 * 1024 } });
    ann = await person();
    bob = await person();
    stranger = await person();
  });
  afterAll(() => h?.dispose());

  const newRoom = async () => {
    const room = await ann.caller.rooms.create({ name: `files-${randomUUID().slice(0, 8)}` });
    await bob.caller.rooms.join({ roomId: room.id });
    return room;
  };
  const upload = (actor: Actor, roomId: number, name: string, bytes: Buffer | string) =>
    uploadFile(h.deps, actor, { roomId, name }, Readable.from([Buffer.from(bytes)]));
  const stored = async () => {
    const keys: string[] = [];
    for await (const key of h.deps.files.store.listKeys(new Date(Date.now() + 60_000))) keys.push(key);
    return keys.sort();
  };
  const fileRows = () => h.deps.db.select().from(schema.files);
  const fileRow = async (id: string) => (await h.deps.db.select().from(schema.files).where(eq(schema.files.id, id)))[0];
  const png = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: "#3366cc" } })
      .png()
      .toBuffer();

  describe("uploading", () => {
    it("stores a pending file whose type comes from its content, not its name", async () => {
      const room = await newRoom();
      const file = await upload(ann.actor, room.id, "notes.txt", "plain words");
      expect(file).toMatchObject({ roomId: room.id, name: "notes.txt", size: 11, kind: "file", width: null });
      expect(file.contentType).toBe("application/octet-stream");
      expect(file.url).toBe(`/files/${file.id}`);
      expect(file.thumbnailUrl).toBeNull();
      expect((await fileRow(file.id))?.messageId).toBeNull();
      const image = await upload(ann.actor, room.id, "no-extension", await png(800, 200));
      expect(image).toMatchObject({ contentType: "image/png", kind: "image", width: 800, height: 200 });
    });

    it("refuses a name that claims a type the content is not, and one over the limit, keeping nothing", async () => {
      const room = await newRoom();
      const [keysBefore, rowsBefore] = [await stored(), (await fileRows()).length];
      const lying = upload(ann.actor, room.id, "cat.png", "<html><script>alert(1)</script></html>");
      await expect(lying).rejects.toMatchObject({ code: "UNSUPPORTED", message: /named \.png/ });
      const big = upload(ann.actor, room.id, "big.bin", Buffer.alloc(64 * 1024 + 1));
      await expect(big).rejects.toMatchObject({ code: "TOO_LARGE", message: /64 KiB/ });
      const declared = uploadFile(
        h.deps,
        ann.actor,
        { roomId: room.id, name: "big.bin", declaredBytes: 10 ** 9 },
        Readable.from([]),
      );
      await expect(declared).rejects.toMatchObject({ code: "TOO_LARGE" });
      await expect(upload(ann.actor, room.id, "empty.txt", "")).rejects.toMatchObject({ code: "BAD_INPUT" });
      expect(await stored()).toEqual(keysBefore);
      expect((await fileRows()).length).toBe(rowsBefore);
      expect(await readdir(h.deps.files.tempDir)).toEqual([]);
    });

    it("answers a stranger's upload as to a room that does not exist", async () => {
      const room = await newRoom();
      await expect(upload(stranger.actor, room.id, "a.txt", "hi")).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(upload(stranger.actor, 999_999, "a.txt", "hi")).rejects.toMatchObject({ code: "NOT_FOUND" });
    });

    it("strips EXIF (GPS included) from an image, turns it upright, and makes a WebP thumbnail of at most 400 px", async () => {
      const room = await newRoom();
      // 600x300 stored sideways: EXIF orientation 6 (rotate 90° clockwise to display), with a GPS tag.
      const photo = await sharp({ create: { width: 600, height: 300, channels: 3, background: "#c33" } })
        .jpeg()
        .withExif({
          IFD0: { Make: "Parley test camera" },
          IFD3: {
            GPSLatitudeRef: "N",
            GPSLatitude: "48/1 51/1 24/1",
            GPSLongitudeRef: "E",
            GPSLongitude: "2/1 21/1 3/1",
          },
        })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      expect(await sharp(photo).metadata()).toMatchObject({ orientation: 6, exif: expect.any(Buffer) });
      expect(photo.includes("Parley test camera")).toBe(true);
      const file = await upload(ann.actor, room.id, "holiday.JPG", photo);
      expect(file).toMatchObject({ contentType: "image/jpeg", kind: "image", width: 300, height: 600 });
      const row = await fileRow(file.id);
      const original = await h.deps.files.store.open?.(row?.storageKey ?? "");
      const bytes = Buffer.concat(await (original?.stream.toArray() ?? []));
      const meta = await sharp(bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(bytes.includes("Parley test camera")).toBe(false);
      expect([meta.width, meta.height]).toEqual([300, 600]);
      const thumb = await h.deps.files.store.open?.(row?.thumbnailKey ?? "");
      const thumbMeta = await sharp(Buffer.concat(await (thumb?.stream.toArray() ?? []))).metadata();
      expect(thumbMeta.format).toBe("webp");
      expect(Math.max(thumbMeta.width ?? 0, thumbMeta.height ?? 0)).toBe(400);
    });
  });

  it("takes text under names file-type also knows for binary content (.xml without its declaration, TypeScript's .mts), but not a PNG under .mts", async () => {
    const room = await newRoom();
    const xml = await upload(ann.actor, room.id, "feed.xml", "<feed><entry>hello</entry></feed>");
    expect(xml).toMatchObject({ contentType: "application/octet-stream", kind: "file" });
    const code = await upload(ann.actor, room.id, "server.mts", 'export const answer = 42;\nconsole.log("hi");\n');
    expect(code).toMatchObject({ contentType: "application/octet-stream", kind: "file" });
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: "#000" } })
      .png()
      .toBuffer();
    await expect(upload(ann.actor, room.id, "clip.mts", png)).rejects.toMatchObject({ code: "UNSUPPORTED" });
  });

  it("refuses an image whose metadata it cannot remove (HEIC), keeping nothing", async () => {
    const room = await newRoom();
    const avif = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#36c" } })
      .avif()
      .withExif({ IFD3: { GPSLatitudeRef: "N", GPSLatitude: "48/1 51/1 24/1" } })
      .toBuffer();
    // The same bytes with the HEIC brand: file-type reads image/heic, which sharp cannot rewrite here.
    const heic = Buffer.from(avif);
    const brand = heic.indexOf("avif");
    expect(brand).toBeGreaterThan(0);
    heic.write("heic", brand, "latin1");
    const [rows, keys] = [(await fileRows()).length, await stored()];
    await expect(upload(ann.actor, room.id, "photo.heic", heic)).rejects.toMatchObject({
      code: "UNSUPPORTED",
      message: expect.stringMatching(/^HEIC images cannot be shared here: .*location/),
    });
    expect((await fileRows()).length).toBe(rows);
    expect(await stored()).toEqual(keys);
  });

  describe("sending files", () => {
    it("attaches the sender's pending files in the order given, live, in history and on retry", async () => {
      const room = await newRoom();
      const first = await upload(ann.actor, room.id, "b.txt", "second in the list");
      const second = await upload(ann.actor, room.id, "a.png", await png(10, 10));
      const heard = await h.listen(`room:${room.id}`);
      const clientId = randomUUID();
      const sent = await ann.caller.messages.send({
        roomId: room.id,
        text: "",
        fileIds: [second.id, first.id],
        clientId,
      });
      expect(sent.body).toBe("");
      expect(sent.files.map((f) => f.id)).toEqual([second.id, first.id]);
      const announced = heard.events.find((e) => e.type === "room.message");
      heard.stop();
      expect(announced && "message" in announced && announced.message.files.map((f: FileOut) => f.id)).toEqual([
        second.id,
        first.id,
      ]);
      const page = await bob.caller.history.list({ roomId: room.id });
      expect(page.items.find((m) => m.id === sent.id)?.files).toEqual(sent.files);
      // A retry with the same clientId answers the same message and attaches nothing new.
      const third = await upload(ann.actor, room.id, "c.txt", "third");
      const again = await ann.caller.messages.send({ roomId: room.id, text: "", fileIds: [third.id], clientId });
      expect(again.id).toBe(sent.id);
      expect(again.files).toEqual(sent.files);
      expect((await fileRow(third.id))?.messageId).toBeNull();
    });

    it("refuses files that are not the sender's pending uploads to this room, storing nothing", async () => {
      const room = await newRoom();
      const other = await newRoom();
      const mine = await upload(ann.actor, room.id, "mine.txt", "mine");
      const bobs = await upload(bob.actor, room.id, "bobs.txt", "bob's");
      const elsewhere = await upload(ann.actor, other.id, "elsewhere.txt", "other room");
      const sentAlready = await upload(ann.actor, room.id, "sent.txt", "sent");
      await ann.caller.messages.send({ roomId: room.id, text: "first", fileIds: [sentAlready.id] });
      const before = await h.counts();
      for (const bad of [randomUUID(), bobs.id, elsewhere.id, sentAlready.id]) {
        await expectTrpcError(
          ann.caller.messages.send({ roomId: room.id, text: "with files", fileIds: [mine.id, bad] }),
          "BAD_REQUEST",
          new RegExp(`file ${bad} is not an unsent upload of yours to this room .*: attach it again`),
        );
      }
      expect(await h.counts()).toEqual(before);
      expect((await fileRow(mine.id))?.messageId).toBeNull();
      await expectTrpcError(
        ann.caller.messages.send({ roomId: room.id, text: "" }),
        "BAD_REQUEST",
        /must not be empty/,
      );
      await expectTrpcError(
        ann.caller.messages.send({ roomId: room.id, text: "x", fileIds: ["not-a-uuid"] }),
        "BAD_REQUEST",
        /fileId/,
      );
    });

    it("keeps files through an edit, which may empty the caption of a message with files only", async () => {
      const room = await newRoom();
      const file = await upload(ann.actor, room.id, "kept.txt", "kept");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "caption", fileIds: [file.id] });
      const edited = await ann.caller.messages.edit({ messageId: sent.id, text: "" });
      expect(edited.body).toBe("");
      expect(edited.files.map((f) => f.id)).toEqual([file.id]);
      const plain = await ann.caller.messages.send({ roomId: room.id, text: "no files" });
      await expectTrpcError(ann.caller.messages.edit({ messageId: plain.id, text: "" }), "BAD_REQUEST", /empty/);
    });
  });

  describe("reading files", () => {
    it("lets members read a sent file, its uploader a pending one, and nobody else", async () => {
      const room = await newRoom();
      const pending = await upload(ann.actor, room.id, "draft.txt", "draft");
      const sent = await upload(ann.actor, room.id, "sent.txt", "sent");
      await ann.caller.messages.send({ roomId: room.id, text: "here", fileIds: [sent.id] });
      expect((await readableFile(h.deps.db, ann.id, pending.id)).id).toBe(pending.id);
      await expect(readableFile(h.deps.db, bob.id, pending.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect((await readableFile(h.deps.db, bob.id, sent.id)).id).toBe(sent.id);
      await expect(readableFile(h.deps.db, stranger.id, sent.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(readableFile(h.deps.db, bob.id, "nonsense")).rejects.toMatchObject({ code: "NOT_FOUND" });
      // A link given to Bob stops working when he leaves.
      const link = new URL(await downloadLink(h.deps, bob.actor, sent.id, "original"), "http://x");
      const opened = await openSignedLink(h.deps, sent.id, link.searchParams);
      expect(Buffer.concat(await opened.stream.toArray()).toString()).toBe("sent");
      expect(opened.headers["content-disposition"]).toMatch(/^attachment; .*filename\*=UTF-8''sent\.txt$/);
      await bob.caller.rooms.leave({ roomId: room.id });
      await expect(openSignedLink(h.deps, sent.id, link.searchParams)).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(downloadLink(h.deps, bob.actor, sent.id, "original")).rejects.toMatchObject({ code: "NOT_FOUND" });
      await bob.caller.rooms.join({ roomId: room.id });
    });

    it("refuses forged and expired links", async () => {
      const room = await newRoom();
      const file = await upload(ann.actor, room.id, "a.txt", "a");
      const link = new URL(await downloadLink(h.deps, ann.actor, file.id, "original"), "http://x");
      const forged = new URLSearchParams(link.searchParams);
      forged.set("u", String(bob.id));
      await expect(openSignedLink(h.deps, file.id, forged)).rejects.toMatchObject({ message: /not one this server/ });
      const otherKey = signFileLink(new Uint8Array(32), {
        fileId: file.id,
        variant: "original",
        userId: ann.id,
        expiresAt: 2 ** 31,
      });
      const wrongKey = new URL(otherKey, "http://x").searchParams;
      await expect(openSignedLink(h.deps, file.id, wrongKey)).rejects.toMatchObject({ message: /not one this server/ });
      h.setNow(new Date(Date.now() + (h.deps.files.urlTtlSeconds + 5) * 1000));
      try {
        await expect(openSignedLink(h.deps, file.id, link.searchParams)).rejects.toMatchObject({
          code: "FORBIDDEN",
          message: /expired/,
        });
      } finally {
        h.setNow(null);
      }
    });

    it("never lets SVG or HTML be shown inline", () => {
      expect(contentDisposition("application/octet-stream", "x.svg")).toMatch(/^attachment;/);
      expect(contentDisposition("image/svg+xml", "x.svg")).toMatch(/^attachment;/);
      expect(contentDisposition("text/html", "x.html")).toMatch(/^attachment;/);
      expect(contentDisposition("image/png", "x.png")).toMatch(/^inline;/);
      expect(contentDisposition("application/pdf", 'naïve "quote".pdf')).toBe(
        `attachment; filename="na_ve _quote_.pdf"; filename*=UTF-8''na%C3%AFve%20%22quote%22.pdf`,
      );
    });
  });

  describe("deleting and sweeping", () => {
    it("deletes a message's files with it: unreadable from the commit, bytes and rows gone after", async () => {
      const room = await newRoom();
      const file = await upload(ann.actor, room.id, "gone.png", await png(20, 20));
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "soon gone", fileIds: [file.id] });
      const row = await fileRow(file.id);
      const tombstone = await ann.caller.messages.delete({ messageId: sent.id });
      expect(tombstone.files).toEqual([]);
      expect((await readMessages(h.deps.db, [sent.id]))[0]?.files).toEqual([]);
      expect(await fileRow(file.id)).toBeUndefined();
      expect(await stored()).not.toContain(row?.storageKey);
      expect(await stored()).not.toContain(row?.thumbnailKey);
    });

    it("marks the files deleted in the deleting transaction, and the sweeper removes what is left", async () => {
      const room = await newRoom();
      const file = await upload(ann.actor, room.id, "late.txt", "late");
      const sent = await ann.caller.messages.send({ roomId: room.id, text: "x", fileIds: [file.id] });
      // What a deletion leaves when removing the bytes right after it failed: a row marked deleted.
      await h.deps.db.update(schema.files).set({ deletedAt: new Date() }).where(eq(schema.files.id, file.id));
      await expect(readableFile(h.deps.db, ann.id, file.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
      expect((await readMessages(h.deps.db, [sent.id]))[0]?.files).toEqual([]);
      const row = await fileRow(file.id);
      const swept = await sweepFiles(h.deps);
      expect(swept.files).toBeGreaterThanOrEqual(1);
      expect(await fileRow(file.id)).toBeUndefined();
      expect(await stored()).not.toContain(row?.storageKey);
    });

    it("removes pending uploads never sent, leftover temp files and stray objects after an hour, nothing younger", async () => {
      const room = await newRoom();
      const fresh = await upload(ann.actor, room.id, "fresh.txt", "fresh");
      const old = await upload(ann.actor, room.id, "old.txt", "old");
      const sent = await upload(ann.actor, room.id, "sent.txt", "sent");
      await ann.caller.messages.send({ roomId: room.id, text: "x", fileIds: [sent.id] });
      const hourAgo = new Date(Date.now() - PENDING_FILE_TTL_MS - 60_000);
      await h.deps.db
        .update(schema.files)
        .set({ createdAt: hourAgo })
        .where(sql`${schema.files.id} in (${old.id}, ${sent.id})`);
      const leftover = path.join(h.deps.files.tempDir, `${randomUUID()}.part`);
      await writeFile(leftover, "half an upload");
      await utimes(leftover, hourAgo, hourAgo);
      const strayDir = path.join(path.dirname(h.deps.files.tempDir), "store", "ff");
      await writeFile(path.join(path.dirname(h.deps.files.tempDir), "tmp", "stray"), "stray");
      await h.deps.files.store.put(
        "ff/ffffffff-0000-4000-8000-000000000000",
        path.join(h.deps.files.tempDir, "stray"),
        {
          contentType: "application/octet-stream",
          disposition: "attachment",
          length: 5,
        },
      );
      await utimes(path.join(strayDir, "ffffffff-0000-4000-8000-000000000000"), hourAgo, hourAgo);
      // Something in the store that is not of Parley's shape is someone else's: never swept.
      await writeFile(path.join(h.deps.files.tempDir, "foreign"), "a backup");
      await h.deps.files.store.put("ff/backup-2026-11-29.sql.gz", path.join(h.deps.files.tempDir, "foreign"), {
        contentType: "application/octet-stream",
        disposition: "attachment",
        length: 8,
      });
      await utimes(path.join(strayDir, "backup-2026-11-29.sql.gz"), hourAgo, hourAgo);
      const oldRow = await fileRow(old.id);
      const swept = await sweepFiles(h.deps);
      expect(swept).toMatchObject({ temps: 1, strays: 1 });
      expect(await fileRow(old.id)).toBeUndefined();
      expect(await stored()).not.toContain(oldRow?.storageKey);
      expect(await fileRow(fresh.id)).toBeDefined();
      expect(await fileRow(sent.id)).toBeDefined();
      expect(await readdir(h.deps.files.tempDir)).toEqual([]);
      expect(await stored()).not.toContain("ff/ffffffff-0000-4000-8000-000000000000");
      expect(await stored()).toContain("ff/backup-2026-11-29.sql.gz");
      // A pending file the sweeper took cannot be sent any more.
      await expectTrpcError(
        ann.caller.messages.send({ roomId: room.id, text: "late", fileIds: [old.id] }),
        "BAD_REQUEST",
        /is not an unsent upload of yours to this room \(uploads never sent are removed after an hour/,
      );
    });

    it("never lets a send and a sweep both have a pending file (30 trials)", async () => {
      const room = await newRoom();
      for (let trial = 0; trial < 30; trial++) {
        const file = await upload(ann.actor, room.id, `race-${trial}.txt`, "race");
        const hourAgo = new Date(Date.now() - PENDING_FILE_TTL_MS - 60_000);
        await h.deps.db.update(schema.files).set({ createdAt: hourAgo }).where(eq(schema.files.id, file.id));
        const [send, sweep] = await Promise.allSettled([
          ann.caller.messages.send({ roomId: room.id, text: `t${trial}`, fileIds: [file.id] }),
          sweepFiles(h.deps),
        ]);
        expect(sweep.status).toBe("fulfilled");
        const row = await fileRow(file.id);
        if (send.status === "fulfilled") {
          expect(row?.messageId).toBe(send.value.id);
          expect((await readableFile(h.deps.db, bob.id, file.id)).id).toBe(file.id);
        } else {
          expect(row).toBeUndefined();
        }
      }
    });
  });
});

describe("the upload rate", () => {
  it("refuses uploads past LIMIT_UPLOADS_PER_USER with the wait in words, keeping nothing", async () => {
    const h = await createHarness("pglite", undefined, { limits: { uploadsPerUser: { points: 2, seconds: 60 } } });
    try {
      const signed = await h.signUp();
      const actor = await authenticate(h.deps, signed.token);
      const room = await signed.caller.rooms.create({ name: "uploads" });
      const send = () =>
        uploadFile(h.deps, actor, { roomId: room.id, name: "a.txt" }, Readable.from([Buffer.from("a")]));
      await send();
      await send();
      await expect(send()).rejects.toMatchObject({
        code: "TOO_MANY",
        message: /uploading files too fast: try again in/,
      });
      expect(await h.deps.db.select().from(schema.files)).toHaveLength(2);
    } finally {
      await h.dispose();
    }
  });
});
