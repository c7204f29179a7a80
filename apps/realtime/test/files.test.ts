import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FileOut, MessageOut } from "@parley/api/schemas";
import { schema } from "@parley/db";
import { createTestDatabase, eventually, type TestDatabase } from "@parley/db/testing";
import { sql } from "drizzle-orm";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inbox, wsClient } from "./clients";
import { type RunningRedis, type RunningServer, signUpOn, startRealtime, startRedis } from "./processes";
import { type RunningS3, startS3 } from "./s3-server";

const SECRET = "a files test secret, thirty-two bytes or more";
const MAX_BYTES = 256 * 1024;
const TTL_SECONDS = 3;

type Person = Awaited<ReturnType<typeof signUpOn>>;

/** Everything files are kept in on disk: the store's objects and the uploads' temp files. */
async function filesOnDisk(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.push(path.relative(dir, full));
    }
  };
  await walk(dir);
  return found.sort();
}

const upload = (server: RunningServer, token: string | null, roomId: number, name: string, body: Buffer | string) =>
  fetch(`${server.url}/files?roomId=${roomId}&name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: typeof body === "string" ? Buffer.from(body) : body,
  });

async function uploaded(server: RunningServer, person: Person, roomId: number, name: string, body: Buffer | string) {
  const response = await upload(server, person.token, roomId, name, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as FileOut;
}

/** GET of a file's stable path with the person's token: the redirect, not followed. */
const askFor = (server: RunningServer, token: string, urlPath: string) =>
  fetch(`${server.url}${urlPath}`, { headers: { authorization: `Bearer ${token}` }, redirect: "manual" });

/** The signed link a member is sent to for a file (a path on disk, an absolute URL with S3). */
async function linkTo(server: RunningServer, token: string, urlPath: string): Promise<string> {
  const answer = await askFor(server, token, urlPath);
  expect(answer.status).toBe(302);
  expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
  return new URL(answer.headers.get("location") ?? "", server.url).toString();
}

async function photoWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 900, height: 600, channels: 3, background: "#2a7" } })
    .jpeg()
    .withExif({
      IFD0: { Make: "Parley GPS camera" },
      IFD3: { GPSLatitudeRef: "N", GPSLatitude: "59/1 20/1 0/1", GPSLongitudeRef: "E", GPSLongitude: "18/1 4/1 0/1" },
    })
    .toBuffer();
}

async function expectCleanPhoto(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe("jpeg");
  expect(meta.exif).toBeUndefined();
  expect(bytes.includes("Parley GPS camera")).toBe(false);
  expect([meta.width, meta.height]).toEqual([900, 600]);
}

async function expectThumbnail(bytes: Buffer) {
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe("webp");
  expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(400);
}

describe("files over real processes, on disk (two instances, one DATA_DIR)", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let dataDir: string;
  let a: RunningServer;
  let b: RunningServer;
  let ann: Person;
  let bob: Person;
  let stranger: Person;
  let roomId: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-files-e2e-"));
    [database, redis] = await Promise.all([createTestDatabase("postgres"), startRedis()]);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `f${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
      FILE_URL_TTL_SECONDS: String(TTL_SECONDS),
    };
    [a, b] = await Promise.all([startRealtime(env), startRealtime(env)]);
    [ann, bob, stranger] = await Promise.all([signUpOn(a), signUpOn(b), signUpOn(a)]);
    roomId = (await ann.http.rooms.create.mutate({ name: `files-${randomBytes(3).toString("hex")}` })).id;
    await bob.http.rooms.join.mutate({ roomId });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const fileCount = async () =>
    (await database.handle.db.select({ n: sql<number>`count(*)::int` }).from(schema.files))[0]?.n;

  it("shares a photo: uploaded on A, seen live on B with its files, downloaded clean, thumbnailed", async () => {
    const live = wsClient(b.url, bob.token);
    const inbox = new Inbox<MessageOut>();
    // From the room's current sequence number: whatever is sent from now on comes, live or replayed.
    const { lastSeq } = await bob.http.rooms.get.query({ roomId });
    const subscription = live.client.events.room.subscribe(
      { roomId, lastEventId: String(lastSeq) },
      {
        onData: (tracked) => {
          if (tracked.data.type === "message") inbox.push(tracked.data.message);
        },
        onError: inbox.fail,
      },
    );
    try {
      const photo = await uploaded(a, ann, roomId, "summit.jpg", await photoWithGps());
      expect(photo).toMatchObject({ kind: "image", contentType: "image/jpeg", width: 900, height: 600 });
      const sent = await ann.http.messages.send.mutate({ roomId, text: "the view", fileIds: [photo.id] });
      const heard = await inbox.take((m) => m.id === sent.id, "the message with the photo, on B");
      expect(heard.files).toEqual([photo]);
      const history = await bob.http.history.list.query({ roomId });
      expect(history.items.find((m) => m.id === sent.id)?.files).toEqual([photo]);

      const original = await fetch(await linkTo(b, bob.token, photo.url));
      expect(original.status).toBe(200);
      expect(original.headers.get("content-type")).toBe("image/jpeg");
      expect(original.headers.get("content-disposition")).toMatch(/^inline; filename="summit\.jpg"/);
      expect(original.headers.get("x-content-type-options")).toBe("nosniff");
      expect(original.headers.get("content-security-policy")).toBe("sandbox; default-src 'none'");
      expect(original.headers.get("cache-control")).toMatch(/^private, max-age=[0-3]$/);
      const bytes = Buffer.from(await original.arrayBuffer());
      expect(bytes.length).toBe(photo.size);
      await expectCleanPhoto(bytes);

      const thumbnail = await fetch(await linkTo(a, bob.token, photo.thumbnailUrl ?? ""));
      expect(thumbnail.headers.get("content-type")).toBe("image/webp");
      await expectThumbnail(Buffer.from(await thumbnail.arrayBuffer()));
    } finally {
      subscription.unsubscribe();
      live.ws.close();
    }
  });

  it("refuses a stranger, a former member (links signed before included), a forged link and an expired one", async () => {
    const file = await uploaded(a, ann, roomId, "plan.pdf", "%PDF-1.4\n% a tiny pdf\n");
    await ann.http.messages.send.mutate({ roomId, text: "", fileIds: [file.id] });
    expect((await askFor(a, stranger.token, file.url)).status).toBe(404);
    expect(await (await askFor(b, stranger.token, file.url)).json()).toEqual({
      error: `file ${file.id} was not found`,
    });
    expect((await fetch(`${a.url}${file.url}`, { redirect: "manual" })).status).toBe(401);

    const link = new URL(await linkTo(a, bob.token, file.url));
    const forged = new URL(link);
    forged.searchParams.set("u", String(stranger.user.id));
    const refusedForged = await fetch(forged);
    expect(refusedForged.status).toBe(403);
    expect(await refusedForged.json()).toEqual({ error: "this download link is not one this server signed" });

    // Bob leaves: the link he was given a moment ago stops working, and he is given no new one.
    const carol = await signUpOn(b);
    const leaving = await carol.http.rooms.create.mutate({ name: `leave-${randomBytes(3).toString("hex")}` });
    await bob.http.rooms.join.mutate({ roomId: leaving.id });
    const shared = await uploaded(b, carol, leaving.id, "minutes.txt", "the minutes");
    await carol.http.messages.send.mutate({ roomId: leaving.id, text: "minutes", fileIds: [shared.id] });
    const before = await linkTo(a, bob.token, shared.url);
    expect((await fetch(before)).status).toBe(200);
    await bob.http.rooms.leave.mutate({ roomId: leaving.id });
    expect((await fetch(before)).status).toBe(404);
    expect((await askFor(b, bob.token, shared.url)).status).toBe(404);

    // A link lives FILE_URL_TTL_SECONDS (3 s here).
    const expiring = await linkTo(b, bob.token, file.url);
    await eventually(async () => expect((await fetch(expiring)).status).toBe(403), 10_000, 250);
    expect(((await (await fetch(expiring)).json()) as { error: string }).error).toMatch(/expired/);
  });

  it("never shows SVG or HTML inline, and answers every download with nosniff", async () => {
    const svg = await uploaded(
      a,
      ann,
      roomId,
      "logo.svg",
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    const html = await uploaded(a, ann, roomId, "page.html", "<!doctype html><script>alert(1)</script>");
    await ann.http.messages.send.mutate({ roomId, text: "markup", fileIds: [svg.id, html.id] });
    for (const file of [svg, html]) {
      expect(file.kind).toBe("file");
      const answer = await fetch(await linkTo(b, bob.token, file.url));
      expect(answer.headers.get("content-disposition")).toMatch(/^attachment; /);
      expect(answer.headers.get("content-type")).not.toMatch(/svg|html/);
      expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
      expect(answer.headers.get("content-security-policy")).toMatch(/sandbox/);
    }
  });

  it("refuses an upload over the limit, a lying type and a stranger's, in words, keeping nothing", async () => {
    const [onDisk, rows] = [await filesOnDisk(dataDir), await fileCount()];
    const declared = await upload(a, ann.token, roomId, "big.bin", Buffer.alloc(MAX_BYTES + 1));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: `the file is too large: at most ${MAX_BYTES} bytes (256 KiB, UPLOAD_MAX_BYTES) are accepted`,
    });
    // Without Content-Length (chunked): counted while it streams.
    const chunked = await fetch(`${b.url}/files?roomId=${roomId}&name=big.bin`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.token}` },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(64 * 1024 + 1));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const lying = await upload(a, ann.token, roomId, "cat.png", "<html><body>not a cat</body></html>");
    expect(lying.status).toBe(415);
    expect(((await lying.json()) as { error: string }).error).toMatch(/named \.png but its content is not PNG/);
    expect((await upload(a, stranger.token, roomId, "a.txt", "hi")).status).toBe(404);
    expect((await upload(a, null, roomId, "a.txt", "hi")).status).toBe(401);
    expect((await upload(a, ann.token, roomId, "", "hi")).status).toBe(400);
    await eventually(async () => expect(await filesOnDisk(dataDir)).toEqual(onDisk), 5000, 100);
    expect(await fileCount()).toBe(rows);
  });

  it("keeps nothing of an upload cut off halfway", async () => {
    const [onDisk, rows] = [await filesOnDisk(dataDir), await fileCount()];
    const { port } = new URL(a.url);
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: `/files?roomId=${roomId}&name=half.bin`,
      headers: { authorization: `Bearer ${ann.token}`, "content-length": String(200_000) },
    });
    req.on("error", () => {});
    req.write(Buffer.alloc(100_000, 1));
    // The server has the first half (its temp file exists) before the client goes away.
    await eventually(
      async () => expect((await filesOnDisk(dataDir)).some((f) => f.endsWith(".part"))).toBe(true),
      5000,
      20,
    );
    const closed = new Promise((resolve) => req.once("close", resolve));
    req.destroy();
    await closed;
    await eventually(async () => expect(await filesOnDisk(dataDir)).toEqual(onDisk), 5000, 50);
    expect(await fileCount()).toBe(rows);
  });

  it("stays up when uploads are cut off before the server reads them (20 times)", async () => {
    const [onDisk, rows] = [await filesOnDisk(dataDir), await fileCount()];
    const { hostname, port } = new URL(a.url);
    for (let i = 0; i < 20; i++) {
      // 10 bytes of the 100 announced, and the client's side closed at once: the body ends while the
      // server still checks the caller, before the service reads a byte of it.
      const socket = connect(Number(port), hostname);
      socket.on("error", () => {});
      const answer = new Promise<string>((resolve) => {
        let text = "";
        socket.on("data", (chunk) => {
          text += chunk;
        });
        socket.once("close", () => resolve(text));
      });
      socket.end(
        `POST /files?roomId=${roomId}&name=cut.txt HTTP/1.1\r\nHost: parley\r\nAuthorization: Bearer ${ann.token}\r\nContent-Length: 100\r\n\r\n0123456789`,
      );
      expect(await answer).toMatch(/^HTTP\/1\.1 400 /);
      expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    }
    await eventually(async () => expect(await filesOnDisk(dataDir)).toEqual(onDisk), 5000, 50);
    expect(await fileCount()).toBe(rows);
  });

  it("deletes a file with its message, and shows seed clients the caption and a link per file", async () => {
    const notes = await uploaded(b, ann, roomId, "notes.txt", "some notes");
    const sent = await ann.http.messages.send.mutate({ roomId, text: "my notes", fileIds: [notes.id] });
    const seed = await fetch(`${a.url}/messages/${roomId}`, { headers: { authorization: ann.token } });
    const items = (await seed.json()) as { id: number; text: string; content: string }[];
    const shown = items.find((m) => m.id === sent.id);
    expect(shown?.text).toBe(`my notes\nnotes.txt: /files/${notes.id}`);
    // A seed client follows the link with the token it has (bare, as the seeds send it).
    const followed = await fetch(`${a.url}/files/${notes.id}`, { headers: { authorization: ann.token } });
    expect(await followed.text()).toBe("some notes");

    const link = await linkTo(a, bob.token, notes.url);
    const onDisk = await filesOnDisk(dataDir);
    const tombstone = await ann.http.messages.delete.mutate({ messageId: sent.id });
    expect(tombstone.files).toEqual([]);
    expect((await fetch(link)).status).toBe(404);
    expect((await askFor(b, bob.token, notes.url)).status).toBe(404);
    expect((await filesOnDisk(dataDir)).length).toBe(onDisk.length - 1);
  });
});

describe("files over a real process, in S3 (s3rver as its own process, the real AWS SDK)", () => {
  let database: TestDatabase;
  let s3: RunningS3;
  let s3Dir: string;
  let dataDir: string;
  let server: RunningServer;
  let ann: Person;
  let bob: Person;
  let stranger: Person;
  let roomId: number;

  beforeAll(async () => {
    [s3Dir, dataDir] = await Promise.all([
      mkdtemp(path.join(tmpdir(), "parley-s3rver-")),
      mkdtemp(path.join(tmpdir(), "parley-files-s3-")),
    ]);
    [database, s3] = await Promise.all([createTestDatabase("postgres"), startS3(s3Dir)]);
    server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: SECRET,
      DATA_DIR: dataDir,
      ...s3.settings,
      FILE_URL_TTL_SECONDS: "60",
    });
    [ann, bob, stranger] = await Promise.all([signUpOn(server), signUpOn(server), signUpOn(server)]);
    roomId = (await ann.http.rooms.create.mutate({ name: `s3-${randomBytes(3).toString("hex")}` })).id;
    await bob.http.rooms.join.mutate({ roomId });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
    await database?.dispose();
    for (const dir of [s3Dir, dataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The objects s3rver keeps (each as `<key>._S3rver_object`, beside its metadata and checksum). */
  const objects = async () =>
    (await filesOnDisk(path.join(s3Dir, s3.bucket))).filter((f) => f.endsWith("._S3rver_object"));

  it("uploads to the bucket, hands out presigned links with Parley's headers, deletes with the message", async () => {
    const photo = await uploaded(server, ann, roomId, "peak.jpg", await photoWithGps());
    const sent = await ann.http.messages.send.mutate({ roomId, text: "", fileIds: [photo.id] });
    expect((await objects()).length).toBe(2); // the original and its thumbnail
    expect(await filesOnDisk(path.join(dataDir, "files"))).toEqual([]); // nothing kept locally

    const link = await linkTo(server, bob.token, photo.url);
    expect(link.startsWith(s3.endpoint)).toBe(true);
    expect(link).toMatch(/X-Amz-Signature=/);
    const original = await fetch(link);
    expect(original.status).toBe(200);
    expect(original.headers.get("content-type")).toBe("image/jpeg");
    expect(original.headers.get("content-disposition")).toMatch(/^inline; filename="peak\.jpg"/);
    await expectCleanPhoto(Buffer.from(await original.arrayBuffer()));
    const thumbnail = await fetch(await linkTo(server, bob.token, photo.thumbnailUrl ?? ""));
    await expectThumbnail(Buffer.from(await thumbnail.arrayBuffer()));

    // s3rver checks a presigned link's access key, not its SigV4 signature (unimplemented there):
    // a link naming a key the store does not know is refused; real S3, MinIO, R2 and Garage check both.
    const forged = new URL(link);
    forged.searchParams.set(
      "X-Amz-Credential",
      (forged.searchParams.get("X-Amz-Credential") ?? "").replace(/^[^/]+/, "FORGED"),
    );
    expect((await fetch(forged)).status).toBe(403);

    expect((await askFor(server, stranger.token, photo.url)).status).toBe(404);
    const lying = await upload(server, ann.token, roomId, "cat.png", "<html>no</html>");
    expect(lying.status).toBe(415);

    const before = (await objects()).length;
    await ann.http.messages.delete.mutate({ messageId: sent.id });
    expect((await askFor(server, bob.token, photo.url)).status).toBe(404);
    expect((await objects()).length).toBe(before - 2);
    // The SDK's Node-version notice is switched off by its documented setting, not printed in our logs.
    expect(server.output()).not.toMatch(/NodeVersionSupportWarning/);
  });
});
