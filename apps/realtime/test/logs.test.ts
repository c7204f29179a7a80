import { createTestDatabase, eventually, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RunningServer, startRealtime } from "./processes";

/** The process's pino lines, parsed (anything else it printed is kept as text). */
const logLines = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => {
      try {
        return JSON.parse(line) as { level?: number; msg?: string; [key: string]: unknown };
      } catch {
        return { text: line };
      }
    });

/**
 * What a real realtime process writes in its log when clients make mistakes: the error level is for
 * Parley's own faults, so that nobody can fill it (or its stack traces) from outside.
 */
describe("a realtime process's log, under clients' mistakes", () => {
  let database: TestDatabase;
  let server: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: "a logs test secret of 32 bytes or more" });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("logs no client mistake at error level or with a stack, and writes down no token", async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const registered = await post(
      "/trpc/auth.register",
      JSON.stringify({ username: "log-reader", password: "pw-pw-pw" }),
    );
    const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
    const ws = server.url.replace("http", "ws");
    const before = server.output().length;

    /** Opens a socket, sends `frames` once it is open, and resolves with how it closed. */
    const closeCodeAfter = async (url: string, ...frames: (string | Buffer)[]) => {
      const socket = new WebSocket(url);
      socket.on("error", () => {});
      const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
      const opened = await new Promise<boolean>((resolve) => {
        socket.once("open", () => resolve(true));
        socket.once("close", () => resolve(false));
      });
      if (opened) {
        for (const frame of frames) socket.send(frame, { binary: false });
        const stop = setTimeout(() => socket.close(), 2000); // a socket the frames did not close
        const code = await closed;
        clearTimeout(stop);
        return code;
      }
      return closed;
    };
    const tooBig = "x".repeat(70 * 1024);
    const notUtf8 = Buffer.from("a lone \xed\xa0\x80", "latin1");
    const codes = [
      await closeCodeAfter(`${ws}/trpc?token=${token}`, tooBig),
      await closeCodeAfter(`${ws}/trpc?token=${token}`, notUtf8),
      await closeCodeAfter(`${ws}/trpc?connectionParams=1`, tooBig),
      await closeCodeAfter(`${ws}/ws?token=${token}`, tooBig),
      await closeCodeAfter(`${ws}/ws?token=${token}`, notUtf8),
      await closeCodeAfter(`${ws}/ws`, tooBig),
      await closeCodeAfter(`${ws}/chats/nobody-at-all?token=${token}`),
    ];
    expect(codes).toEqual([1009, 1007, 1009, 1009, 1007, 1009, 1008]);
    // Frames that are no request, a bad token, bad connection parameters.
    await closeCodeAfter(`${ws}/trpc?token=${token}`, "not json", "[1,2]", '{"id":1,"method":"query","params":{}}');
    await closeCodeAfter(`${ws}/trpc?connectionParams=1`, '{"method":"connectionParams","data":{"token":"forged"}}');
    await closeCodeAfter(`${ws}/trpc?connectionParams=1`, "[[[");
    await closeCodeAfter(
      `${ws}/ws?token=${token}`,
      "{",
      '{"type":"join","content":"x"}',
      '{"Type":"enter","RoomID":-1}',
    );
    await closeCodeAfter(`${ws}/ws?token=${token}.forged`);
    // The HTTP side: bad bodies, bad paths, bad tokens, unknown procedures.
    await post("/trpc/auth.register", "{not json");
    await post("/trpc/auth.login", JSON.stringify({ login: "log-reader", password: "wrong" }));
    await fetch(`${server.url}/trpc/auth.me?token=${token}`, { headers: { authorization: "Bearer forged" } });
    await fetch(`${server.url}/trpc/nope.nothing`);
    await post("/register", "{not json");
    await fetch(`${server.url}/room/%E0%A4%A`, { headers: { authorization: token } });
    await fetch(`${server.url}/messages/1?LastID=abc`, { headers: { authorization: token } });
    await fetch(`${server.url}/elsewhere?token=${token}`);

    // Each socket's close is logged once the server saw it; the last request is logged when answered.
    await eventually(() => expect(server.output().slice(before)).toContain('"path":"/room/%E0%A4%A"'), 5000, 50);
    const lines = logLines(server.output().slice(before));
    expect(lines.filter((line) => (line.level ?? 0) >= 50)).toEqual([]);
    expect(lines.filter((line) => JSON.stringify(line).includes('"stack"'))).toEqual([]);
    expect(lines.filter((line) => JSON.stringify(line).includes(token.split(".")[2] ?? token))).toEqual([]);
    // Still logged, as what they are: the client's doing.
    expect(lines.some((line) => line.level === 30 && /broke the protocol/.test(line.msg ?? ""))).toBe(true);
  });
});
