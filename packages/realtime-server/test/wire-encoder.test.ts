import type { MessageOut } from "@parley/api";
import { describe, expect, it } from "vitest";
import { SocketWire, textFrame, wireEncoder } from "../src/wire-encoder";

const message = () => ({
  id: 41,
  roomId: 7,
  seq: 12,
  kind: "text",
  author: { id: 3, username: "ada", displayName: 'Ada "the" Countess ✨' },
  body: 'a body with "quotes", \\ backslashes, \n newlines and </script>',
  notice: null,
  clientId: null,
  createdAt: "2026-11-22T04:00:00.000Z",
});

const frameOf = (id: number, event: unknown, jsonrpc?: "2.0") => ({
  id,
  ...(jsonrpc ? { jsonrpc } : {}),
  result: { type: "data", id: "12", data: { id: "12", data: event } },
});

describe("the wire encoder", () => {
  it("writes exactly what JSON.stringify writes, for message frames and any other", () => {
    const shared = message();
    const frames = [
      frameOf(1, { type: "message", message: shared }),
      frameOf(2, { type: "message", message: shared }, "2.0"),
      frameOf(3, { type: "typing", userId: 1, username: "ada", until: 1 }),
      frameOf(4, { type: "message", message: shared, extra: true }),
      // A reply: its parent's thread summary goes with it, never dropped by the fast path.
      frameOf(7, {
        type: "message",
        message: shared,
        parent: { id: 40, thread: { replyCount: 2, lastReplyAt: "2026-11-22T04:00:00.000Z", participantIds: [3] } },
      }),
      frameOf(8, { type: "change", change: "edited", actorId: 3, emoji: null, message: shared }),
      { id: 5, result: { type: "started" } },
      { id: null, method: "reconnect" },
      { id: 6, error: { message: "nope", code: -32001 } },
      "not an object",
    ];
    for (const frame of frames) {
      const encoded = wireEncoder.encode(frame);
      expect(JSON.parse(String(encoded))).toEqual(JSON.parse(JSON.stringify(frame)));
    }
  });

  it("serializes a message once, however many subscribers' frames carry it", () => {
    let serialized = 0;
    const shared = { ...message(), toJSON: undefined as unknown };
    const plain = message();
    shared.toJSON = () => {
      serialized++;
      return plain;
    };
    const encoded = Array.from({ length: 1000 }, (_, i) =>
      wireEncoder.encode(frameOf(i, { type: "message", message: shared })),
    );
    expect(serialized).toBe(1);
    expect(JSON.parse(String(encoded[999]))).toEqual(
      JSON.parse(JSON.stringify(frameOf(999, { type: "message", message: plain }))),
    );
  });

  it("decodes text frames and refuses binary ones", () => {
    expect(wireEncoder.decode('{"id":1}')).toEqual({ id: 1 });
    expect(() => wireEncoder.decode(new Uint8Array([1, 2]))).toThrow(/JSON text/);
  });

  /** The frames a wire wrote, as the payloads a client reads (each a whole, unmasked text frame). */
  const payloadsOf = (written: Buffer) => {
    const payloads: string[] = [];
    for (let at = 0; at < written.length; ) {
      expect(written[at]).toBe(0x81); // FIN, text, no RSV bits
      const short = (written[at + 1] ?? 0) & 0x7f;
      const [length, start] =
        short < 126 ? [short, at + 2] : short === 126 ? [written.readUInt16BE(at + 2), at + 4] : [0, at + 10];
      payloads.push(written.subarray(start, start + length).toString());
      at = start + length;
    }
    return payloads;
  };

  it("lets a wire write a subscription's message frames itself, byte for byte what tRPC would send, once it knows the subscription", () => {
    const written: Buffer[] = [];
    const sink = (chunks: readonly Buffer[]) => written.push(Buffer.concat(chunks));
    const wires = [7, "sub-8", 7].map((id) => ({ id, wire: new SocketWire({ writeFrames: sink, admit: () => true }) }));
    const shared = message() as MessageOut;

    expect(wires[0]?.wire.writeMessage(12, shared)).toBe(false); // no subscription id yet: nothing written
    for (const { id, wire } of wires) {
      const caughtUp = { type: "live" };
      wire.mark(caughtUp);
      wireEncoder.encode({
        id,
        jsonrpc: "2.0",
        result: { type: "data", id: "11", data: { id: "11", data: caughtUp } },
      });
    }
    for (const { wire } of wires) expect(wire.writeMessage(12, shared)).toBe(true);

    expect(written.flatMap(payloadsOf)).toEqual(
      wires.map(({ id }) => JSON.stringify({ ...frameOf(0, { type: "message", message: shared }, "2.0"), id })),
    );
  });

  it("sends the same bytes to every subscription with the same id, and splices another id before the shared rest", () => {
    const chunks: (readonly Buffer[])[] = [];
    const wires = [1, 1, 2, 3].map((id) => {
      const wire = new SocketWire({ writeFrames: (frame) => chunks.push(frame), admit: () => true });
      const caughtUp = { type: "live" };
      wire.mark(caughtUp);
      wireEncoder.encode({ id, result: { type: "data", id: "11", data: { id: "11", data: caughtUp } } });
      return wire;
    });
    const shared = message() as MessageOut;
    for (const wire of wires) wire.writeMessage(12, shared);
    const [first, second, other, third] = chunks;
    expect(first).toHaveLength(1);
    expect(second?.[0]).toBe(first?.[0]); // the very same buffer
    expect(other).toHaveLength(2);
    expect(third?.[1]).toBe(other?.[1]); // the shared rest, encoded once
    for (const [id, frame] of [
      [2, other],
      [3, third],
    ] as const) {
      expect(payloadsOf(Buffer.concat(frame ?? []))).toEqual([
        JSON.stringify(frameOf(id, { type: "message", message: shared })),
      ]);
    }
  });

  it("writes nothing when the backpressure gate says no", () => {
    const written: unknown[] = [];
    let open = true;
    const wire = new SocketWire({ writeFrames: (chunks) => written.push(chunks), admit: () => open });
    const caughtUp = { type: "live" };
    wire.mark(caughtUp);
    wireEncoder.encode({ id: 1, result: { type: "data", id: "11", data: { id: "11", data: caughtUp } } });
    const shared = message() as MessageOut;
    wire.writeMessage(12, shared);
    open = false;
    expect(wire.writeMessage(13, { ...shared, seq: 13 })).toBe(true); // handled: the socket is being cut off
    expect(written).toHaveLength(1);
  });

  it("writes a message's frame whole in each length class, multi-byte characters and all", () => {
    for (const size of [10, 300, 70_000]) {
      const chunks: Buffer[] = [];
      const [wire, other] = [1, 2].map((id) => {
        const w = new SocketWire({ writeFrames: (frame) => chunks.push(Buffer.concat(frame)), admit: () => true });
        const caughtUp = { type: "live" };
        w.mark(caughtUp);
        wireEncoder.encode({ id, result: { type: "data", id: "1", data: { id: "1", data: caughtUp } } });
        return w;
      });
      const shared = { ...message(), body: "é✨".repeat(size / 2) } as MessageOut;
      wire?.writeMessage(12, shared);
      other?.writeMessage(12, shared);
      for (const [i, frame] of chunks.entries()) {
        const short = (frame[1] ?? 0) & 0x7f;
        const [length, start] =
          short < 126
            ? [short, 2]
            : short === 126
              ? [frame.readUInt16BE(2), 4]
              : [Number(frame.readBigUInt64BE(2)), 10];
        expect(frame[0]).toBe(0x81);
        expect(frame.length).toBe(start + length);
        expect(JSON.parse(frame.subarray(start).toString())).toEqual(
          JSON.parse(JSON.stringify(frameOf(i + 1, { type: "message", message: shared }))),
        );
      }
    }
  });

  it("frames payloads of every length class as RFC 6455 says", () => {
    for (const [length, header] of [
      [5, [0x81, 5]],
      [300, [0x81, 126, 1, 44]],
      [70_000, [0x81, 127, 0, 0, 0, 0, 0, 1, 17, 112]],
    ] as const) {
      const frame = textFrame(Buffer.alloc(length, "a"));
      expect([...frame.subarray(0, header.length)]).toEqual(header);
      expect(frame.length).toBe(header.length + length);
    }
  });
});
