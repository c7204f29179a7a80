import type { MessageOut } from "@parley/api";
import { describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
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

  it("lets a wire write a subscription's message frames itself, byte for byte what tRPC would send, once it knows the subscription", () => {
    const sent: { data: Buffer; binary: unknown }[] = [];
    const socket = {
      send: (data: Buffer, options: { binary: unknown }) => sent.push({ data, binary: options.binary }),
    };
    const wires = [7, "sub-8"].map((id) => ({
      id,
      wire: new SocketWire(socket as unknown as WebSocket, () => true),
    }));
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

    expect(sent.map((s) => s.binary)).toEqual([false, false]); // text frames, as tRPC's
    expect(sent.map((s) => s.data.toString())).toEqual(
      wires.map(({ id }) => JSON.stringify({ ...frameOf(0, { type: "message", message: shared }, "2.0"), id })),
    );
  });

  it("writes the whole WebSocket frame, header and all, through the socket's sender when it is idle, and nothing when the gate says no", () => {
    const framed: Buffer[][] = [];
    const sent: unknown[] = [];
    let open = true;
    const socket = {
      _sender: { _state: 0, sendFrame: (frames: Buffer[]) => framed.push(frames) },
      send: (data: unknown) => sent.push(data),
    };
    const wire = new SocketWire(socket as unknown as WebSocket, () => open);
    const caughtUp = { type: "live" };
    wire.mark(caughtUp);
    wireEncoder.encode({ id: 1, result: { type: "data", id: "11", data: { id: "11", data: caughtUp } } });
    const shared = message() as MessageOut;

    wire.writeMessage(12, shared);
    const [frame] = framed[0] ?? [];
    const payload = JSON.stringify({ ...frameOf(1, { type: "message", message: shared }) });
    expect(frame?.subarray(0, 4)).toEqual(
      Buffer.from([0x81, 126, Buffer.byteLength(payload) >> 8, Buffer.byteLength(payload) & 0xff]),
    );
    expect(frame?.subarray(4).toString()).toBe(payload);

    socket._sender._state = 1; // compressing or reading a blob: frames must queue behind it
    wire.writeMessage(12, shared);
    expect(sent).toHaveLength(1);
    open = false;
    wire.writeMessage(12, shared);
    expect([framed.length, sent.length]).toEqual([1, 1]);
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
