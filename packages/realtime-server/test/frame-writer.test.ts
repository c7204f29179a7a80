import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { FrameWriter } from "../src/socket/frame-writer";

/** A stream that records each write it is handed: one entry per `_write`, or per `_writev` batch. */
class Recorder extends Duplex {
  readonly batches: string[][] = [];
  override _read() {}
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.batches.push([chunk.toString()]);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: () => void) {
    this.batches.push(chunks.map(({ chunk }) => chunk.toString()));
    done();
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("the frame writer", () => {
  it("sends every frame written to a stream in one turn of the event loop in one write, in order", async () => {
    const writer = new FrameWriter();
    const [a, b] = [new Recorder(), new Recorder()];
    writer.write(a, [Buffer.from("1"), Buffer.from("2")]);
    writer.write(b, [Buffer.from("x")]);
    writer.write(a, [Buffer.from("3")]);
    expect(a.batches).toEqual([]); // held until the turn ends
    await turn();
    expect(a.batches).toEqual([["1", "2", "3"]]);
    expect(b.batches).toEqual([["x"]]);

    writer.write(a, [Buffer.from("4")]);
    await turn();
    expect(a.batches).toEqual([["1", "2", "3"], ["4"]]);
  });

  it("carries the frames over a real socket, with the socket's own writes in the order they were made", async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address() as { port: number };
    const accepted = once(server, "connection") as Promise<[Socket]>;
    const client = connect(address.port, "127.0.0.1");
    const [socket] = await accepted;
    const received: Buffer[] = [];
    client.on("data", (chunk: Buffer) => received.push(chunk));
    const writer = new FrameWriter();
    for (let i = 0; i < 100; i++) {
      writer.write(socket, [Buffer.from(`<${i}`), Buffer.from(">")]);
      if (i % 10 === 0) socket.write(`(${i})`); // as ws would, beside the writer
    }
    const expected = Array.from({ length: 100 }, (_, i) => `${i % 10 === 0 ? `<${i}>(${i})` : `<${i}>`}`).join("");
    while (Buffer.concat(received).length < expected.length) await once(client, "data");
    expect(Buffer.concat(received).toString()).toBe(expected);
    socket.destroy();
    client.destroy();
    server.close();
  });

  it("drops frames for a stream that is no longer writable, and stays well", async () => {
    const writer = new FrameWriter();
    const ended = new Recorder();
    ended.end();
    writer.write(ended, [Buffer.from("late")]);
    const destroyed = new Recorder();
    writer.write(destroyed, [Buffer.from("a")]);
    destroyed.destroy(); // between the write and the end of the turn
    await turn();
    expect(ended.batches).toEqual([]);
    expect(destroyed.batches).toEqual([]);
  });
});
