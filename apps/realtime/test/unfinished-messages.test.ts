import { randomBytes } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import { createTestDatabase, eventually, type TestDatabase } from "@parley/db/testing";
import { IncomingFrames, MAX_FRAGMENTS_PER_MESSAGE, MESSAGE_WITHIN_MS } from "@parley/realtime-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "./clients";
import { type RunningServer, startRealtime } from "./processes";

const TEXT = 0x1;
const CONTINUATION = 0x0;

/** A client's frame (masked, as clients must), written by hand: `fin` false leaves the message open. */
function clientFrame(opcode: number, fin: boolean, payload: Buffer, declaredLength = payload.length): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  const first = (fin ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (declaredLength < 126) head = Buffer.from([first, 0x80 | declaredLength]);
  else if (declaredLength < 0x10000)
    head = Buffer.from([first, 0x80 | 126, declaredLength >> 8, declaredLength & 0xff]);
  else {
    head = Buffer.alloc(10);
    head.writeUInt8(first, 0);
    head.writeUInt8(0x80 | 127, 1);
    head.writeBigUInt64BE(BigInt(declaredLength), 2);
  }
  return Buffer.concat([head, mask, masked]);
}

/** A raw TCP socket after a real WebSocket upgrade to `path`, with what the server sent after its 101. */
async function rawSocket(port: number, path = "/ws") {
  const socket = net.connect(port, "127.0.0.1");
  await once(socket, "connect");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let received = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  socket.on("error", () => {}); // the server may reset it
  const closed = once(socket, "close");
  await eventually(() => expect(received.toString("latin1")).toContain("\r\n\r\n"), 5000, 10);
  expect(received.toString("latin1")).toMatch(/^HTTP\/1.1 101/);
  /** The close code the server sent, if it sent a close frame. */
  const closeCode = () => {
    let at = received.indexOf("\r\n\r\n") + 4;
    while (at + 2 <= received.length) {
      const opcode = (received[at] ?? 0) & 0x0f;
      let length = (received[at + 1] ?? 0) & 0x7f;
      let start = at + 2;
      if (length === 126) {
        length = received.readUInt16BE(at + 2);
        start = at + 4;
      }
      if (opcode === 0x8) return received.readUInt16BE(start);
      at = start + length;
    }
    return undefined;
  };
  return { socket, closed, closeCode };
}

describe("IncomingFrames (RFC 6455 framing, read beside ws)", () => {
  const PING = 0x9;
  /** Feeds `bytes` cut at each of `cuts`, and says after each piece whether a message is unfinished. */
  function feed(bytes: Buffer, cuts: number[]) {
    const incoming = new IncomingFrames();
    const seen: boolean[] = [];
    let from = 0;
    for (const to of [...cuts, bytes.length]) {
      incoming.read(bytes.subarray(from, to));
      seen.push(incoming.unfinished);
      from = to;
    }
    return { incoming, seen };
  }

  it("knows, at every byte, whether the bytes so far end inside a frame or a fragmented message", () => {
    const hel = clientFrame(TEXT, false, Buffer.from("hel"));
    const lo = clientFrame(CONTINUATION, true, Buffer.from("lo"));
    const medium = clientFrame(TEXT, true, Buffer.alloc(300, "m")); // a 16-bit length
    const stream = Buffer.concat([hel, lo, clientFrame(TEXT, true, Buffer.alloc(0)), medium]);
    // The ends of whole messages: after "hello", after the empty frame, after the medium frame.
    const ends = new Set([hel.length + lo.length, hel.length + lo.length + 6, stream.length]);
    for (let cut = 1; cut < stream.length; cut++) {
      const { seen } = feed(stream, [cut]);
      expect(seen, `cut at byte ${cut}`).toEqual([!ends.has(cut), false]);
    }
    // One byte at a time too (a header split over many reads).
    const { seen } = feed(
      stream,
      Array.from({ length: stream.length - 1 }, (_, i) => i + 1),
    );
    expect(seen.map((unfinished, i) => unfinished === !ends.has(i + 1))).not.toContain(false);
  });

  it("reads a 64-bit length, and a control frame between fragments leaves the message open", () => {
    const big = clientFrame(TEXT, true, Buffer.alloc(70_000, "b"));
    expect((big[1] ?? 0) & 0x7f).toBe(127);
    expect(feed(big, [13, 5000, 70_000]).seen).toEqual([true, true, true, false]);
    const open = Buffer.concat([clientFrame(TEXT, false, Buffer.from("a")), clientFrame(PING, true, Buffer.from("p"))]);
    expect(feed(open, []).seen).toEqual([true]);
    expect(feed(Buffer.concat([open, clientFrame(CONTINUATION, true, Buffer.from("b"))]), []).seen).toEqual([false]);
  });

  it("times a message from its first byte, and starts the clock afresh once one is complete", () => {
    const whole = clientFrame(TEXT, true, Buffer.from("a frame in two parts"));
    const incoming = new IncomingFrames();
    incoming.read(whole.subarray(0, 5));
    const first = incoming.since;
    expect(first).toBeGreaterThan(0);
    incoming.read(whole.subarray(5, 10));
    expect(incoming.since).toBe(first); // the same message: the same clock
    incoming.read(whole.subarray(10));
    expect(incoming.since).toBe(0);
  });
});

/**
 * What an unfinished message may hold on a real process: a bounded number of fragments, and a few
 * seconds; then the socket is closed 1008 and counted in `parley_limited_total`. Likewise an HTTP
 * request (a WebSocket upgrade) whose headers never end.
 */
describe("sockets that keep a message unfinished", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: "an unfinished test secret of 32 bytes" });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  const limited = async (limit: string) =>
    sample(await (await fetch(`${server.url}/metrics`)).text(), `parley_limited_total{limit="${limit}"}`) || 0;

  it("closes a socket whose message stays open, fragment after fragment, a few seconds after it began", async () => {
    const raw = await Promise.all([rawSocket(port), rawSocket(port)]);
    const started = performance.now();
    const [fragments, partialFrame] = raw as [(typeof raw)[0], (typeof raw)[0]];
    // One keeps adding small fragments (never the last), within the fragment cap...
    fragments.socket.write(clientFrame(TEXT, false, Buffer.alloc(1000, "a")));
    let sent = 1;
    const more = setInterval(() => {
      if (sent++ < MAX_FRAGMENTS_PER_MESSAGE - 2)
        fragments.socket.write(clientFrame(CONTINUATION, false, Buffer.from("b")));
    }, 200);
    // ...the other sends part of one frame and holds it.
    partialFrame.socket.write(clientFrame(TEXT, true, Buffer.alloc(10, "c"), 60_000).subarray(0, 20));
    await Promise.all(raw.map((r) => r.closed));
    clearInterval(more);
    const took = performance.now() - started;
    expect(raw.map((r) => r.closeCode())).toEqual([1008, 1008]);
    expect(took).toBeGreaterThanOrEqual(MESSAGE_WITHIN_MS - 100);
    expect(took).toBeLessThan(MESSAGE_WITHIN_MS + 4000);
    expect(await limited("unfinishedMessage")).toBeGreaterThanOrEqual(2);
  });

  it("closes a socket that splits a message into more fragments than allowed, at once", async () => {
    const { socket, closed, closeCode } = await rawSocket(port);
    const frames = [clientFrame(TEXT, false, Buffer.from("x"))];
    for (let n = 0; n < MAX_FRAGMENTS_PER_MESSAGE + 10; n++)
      frames.push(clientFrame(CONTINUATION, false, Buffer.from("y")));
    socket.write(Buffer.concat(frames));
    await closed;
    expect(closeCode()).toBe(1008);
    expect(await limited("messageFragments")).toBeGreaterThanOrEqual(1);
  });

  it("drops a request (an upgrade) whose headers never end, within seconds", async () => {
    const socket = net.connect(port, "127.0.0.1");
    await once(socket, "connect");
    const started = performance.now();
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on("error", () => {});
    socket.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`); // and no more
    await once(socket, "close");
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
  });
});
