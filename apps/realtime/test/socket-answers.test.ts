import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, Inbox } from "./clients";
import { LIMITS_LIFTED, type RunningServer, startRealtime } from "./processes";

/**
 * The exact frames a raw tRPC WebSocket client is answered with: queries, mutations, batched
 * frames, bad input, unknown paths, calls without an id, frames that are no call, connection
 * parameters good and bad. The expected frames were captured from tRPC 11's own WebSocket adapter
 * (`getWSConnectionHandler`), which Parley ran before it answered calls itself: clients must see no
 * difference. What varies from run to run (the user's name, ids, times) is masked by `masked`.
 */
describe("answers on the tRPC WebSocket, frame for frame", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let token: string;
  let username: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      ...LIMITS_LIFTED,
      DATABASE_URL: database.url,
      JWT_SECRET: "a socket answers test secret, 32 bytes+",
    });
    username = `u${randomBytes(4).toString("hex")}`;
    ({ token } = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" }));
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  /** Each frame's text, with the user's name, numbers and times inside `result.data` masked. */
  const masked = (text: string) => {
    if (text === "PONG") return text;
    const mask = (value: unknown): unknown => {
      if (typeof value === "number") return "<n>";
      if (typeof value === "string") {
        if (/^\d{4}-\d\d-\d\dT/.test(value)) return "<time>";
        return value.replaceAll(username, "<user>");
      }
      if (Array.isArray(value)) return value.map(mask);
      if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, mask(inner)]));
      }
      return value;
    };
    const frame = JSON.parse(text);
    if (frame?.result?.data !== undefined) frame.result.data = mask(frame.result.data);
    return JSON.stringify(frame);
  };

  /** A raw socket: every frame it is sent (masked), in order, and how it closed. */
  async function socket(query: string) {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc${query}`);
    const frames = new Inbox<string>();
    ws.on("message", (data) => frames.push(masked(String(data))));
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    await once(ws, "open");
    /** Sends `frame` and resolves with the next `count` frames the server sends. */
    const answers = async (frame: string | Buffer, count: number) => {
      const seen = frames.items.length;
      ws.send(frame);
      const all = await frames.waitFor((items) => items.length >= seen + count, `${count} answers to ${frame}`);
      return all.slice(seen, seen + count);
    };
    return { ws, frames, closed, answers };
  }

  it("answers queries, mutations and batches with data or errors, keyed by the call's id", async () => {
    const { ws, answers } = await socket(`?token=${token}`);
    expect(await answers('{"id":1,"method":"query","params":{"path":"auth.me"}}', 1)).toMatchInlineSnapshot(`
      [
        "{"id":1,"result":{"type":"data","data":{"id":"<n>","username":"<user>","displayName":null,"isBot":false,"createdAt":"<time>","email":null,"updatedAt":"<time>"}}}",
      ]
    `);
    expect(
      await answers(
        '{"id":"two","jsonrpc":"2.0","method":"mutation","params":{"path":"rooms.create","input":{"name":"answers"}}}',
        1,
      ),
    ).toMatchInlineSnapshot(`
      [
        "{"id":"two","jsonrpc":"2.0","result":{"type":"data","data":{"id":"<n>","kind":"room","name":"answers","isPrivate":false,"ownerId":"<n>","topic":null,"lastSeq":"<n>","createdAt":"<time>"}}}",
      ]
    `);
    // A batch: each call answered on its own (sorted here: they run side by side).
    const batch = await answers(
      JSON.stringify([
        { id: 3, method: "query", params: { path: "auth.me" } },
        { id: 4, method: "mutation", params: { path: "messages.send", input: { roomId: "x" } } },
        { id: 5, method: "query", params: { path: "nope.nothing" } },
        { id: 6, method: "mutation", params: { path: "auth.me" } },
        { id: 7, jsonrpc: "2.0", method: "query", params: { path: "rooms.get", input: { roomId: 2 ** 31 } } },
      ]),
      5,
    );
    expect(batch.sort()).toMatchInlineSnapshot(`
      [
        "{"id":3,"result":{"type":"data","data":{"id":"<n>","username":"<user>","displayName":null,"isBot":false,"createdAt":"<time>","email":null,"updatedAt":"<time>"}}}",
        "{"id":4,"error":{"message":"roomId: must be a number; text: message text must be a string","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"messages.send","issues":[{"expected":"number","code":"invalid_type","path":["roomId"],"message":"must be a number"},{"expected":"string","code":"invalid_type","path":["text"],"message":"message text must be a string"}]}}}",
        "{"id":5,"error":{"message":"No \\"query\\"-procedure on path \\"nope.nothing\\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"nope.nothing"}}}",
        "{"id":6,"error":{"message":"No \\"mutation\\"-procedure on path \\"auth.me\\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"auth.me"}}}",
        "{"id":7,"jsonrpc":"2.0","error":{"message":"roomId: must be at most 2147483647","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"rooms.get","issues":[{"origin":"number","code":"too_big","maximum":2147483647,"inclusive":true,"path":["roomId"],"message":"must be at most 2147483647"}]}}}",
      ]
    `);
    ws.close();
  });

  it("answers bad input, unknown paths, calls without an id and frames that are no call", async () => {
    const { ws, answers } = await socket(`?token=${token}`);
    const bad = [
      '{"id":10,"method":"mutation","params":{"path":"messages.send","input":{"text":""}}}',
      '{"id":11,"method":"query","params":{"path":"nope"}}',
      '{"id":12,"method":"query","params":{"path":"events.mine"}}',
      '{"method":"query","params":{"path":"auth.me"}}',
      '{"id":null,"method":"query","params":{"path":"auth.me"}}',
      '{"id":13,"method":"teleport","params":{"path":"auth.me"}}',
      '{"id":14,"method":"query"}',
      '{"id":15,"jsonrpc":"1.0","method":"query","params":{"path":"auth.me"}}',
      '[{"id":16,"method":"query","params":{"path":"auth.me"}},{"method":"query"}]',
      "not json",
      "null",
      "[]",
      '{"method":"connectionParams","data":{"token":"x"}}',
      '{"id":17,"method":"subscription.stop"}',
    ];
    const answered: string[][] = [];
    for (const frame of bad) {
      // A frame answered with nothing ("[]", a stop of nothing) is followed by PING, answered PONG.
      const quiet = frame === "[]" || frame.includes("subscription.stop");
      answered.push(quiet ? await answers(`${frame}`, 0) : await answers(frame, 1));
    }
    expect(await answers("PING", 1)).toEqual(["PONG"]);
    expect(
      await answers(Buffer.from('{"id":18,"method":"query","params":{"path":"auth.me"}}'), 1),
    ).toMatchInlineSnapshot(`
      [
        "{"id":null,"error":{"message":"tRPC frames are JSON text","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
      ]
    `);
    expect(answered).toMatchInlineSnapshot(`
      [
        [
          "{"id":10,"error":{"message":"roomId: must be a number","code":-32600,"data":{"code":"BAD_REQUEST","httpStatus":400,"path":"messages.send","issues":[{"expected":"number","code":"invalid_type","path":["roomId"],"message":"must be a number"}]}}}",
        ],
        [
          "{"id":11,"error":{"message":"No \\"query\\"-procedure on path \\"nope\\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"nope"}}}",
        ],
        [
          "{"id":12,"error":{"message":"No \\"query\\"-procedure on path \\"events.mine\\"","code":-32004,"data":{"code":"NOT_FOUND","httpStatus":404,"path":"events.mine"}}}",
        ],
        [
          "{"id":null,"error":{"message":"Invalid request id","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"\`id\` is required","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Invalid procedure type","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Not an object","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Must be JSONRPC 2.0","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Invalid request id","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Unexpected token 'o', \\"not json\\" is not valid JSON","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [
          "{"id":null,"error":{"message":"Not an object","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [],
        [
          "{"id":null,"error":{"message":"Invalid request id","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
        ],
        [],
      ]
    `);
    ws.close();
  });

  it("answers a tokenless socket's calls that need one UNAUTHORIZED", async () => {
    const { ws, answers } = await socket("");
    expect(await answers('{"id":1,"method":"query","params":{"path":"auth.me"}}', 1)).toMatchInlineSnapshot(`
      [
        "{"id":1,"error":{"message":"sign in first: no token was given","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"path":"auth.me"}}}",
      ]
    `);
    ws.close();
  });

  it("takes a token from connectionParams, and fails the connection on a bad one", async () => {
    const good = await socket("?connectionParams=1");
    good.ws.send(JSON.stringify({ method: "connectionParams", data: { token } }));
    expect(await good.answers('{"id":1,"method":"query","params":{"path":"auth.me"}}', 1)).toMatchInlineSnapshot(`
      [
        "{"id":1,"result":{"type":"data","data":{"id":"<n>","username":"<user>","displayName":null,"isBot":false,"createdAt":"<time>","email":null,"updatedAt":"<time>"}}}",
      ]
    `);
    good.ws.close();

    // A call sent right behind bad parameters is answered with the same error, unless the
    // connection failed before the call was read (tRPC's adapter raced the same way).
    const bad = await socket("?connectionParams=1");
    bad.ws.send(JSON.stringify({ method: "connectionParams", data: { token: `${token}x` } }));
    bad.ws.send('{"id":1,"method":"query","params":{"path":"auth.me"}}');
    const code = await bad.closed;
    const [failed, ...callsAnswered] = bad.frames.items;
    expect([code, failed]).toMatchInlineSnapshot(`
      [
        1005,
        "{"id":null,"error":{"message":"the token is not valid: log in again","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401}}}",
      ]
    `);
    expect(callsAnswered).toEqual(
      callsAnswered.length === 0
        ? []
        : [
            '{"id":1,"error":{"message":"the token is not valid: log in again","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401,"path":"auth.me"}}}',
          ],
    );

    const malformed = await socket("?connectionParams=1");
    malformed.ws.send("[[[");
    const malformedCode = await malformed.closed;
    expect([malformedCode, ...malformed.frames.items]).toMatchInlineSnapshot(`
      [
        1005,
        "{"id":null,"error":{"message":"Malformed TRPCConnectionParamsMessage","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
      ]
    `);

    const notStrings = await socket("?connectionParams=1");
    notStrings.ws.send('{"method":"connectionParams","data":{"token":42}}');
    const notStringsCode = await notStrings.closed;
    expect([notStringsCode, ...notStrings.frames.items]).toMatchInlineSnapshot(`
      [
        1005,
        "{"id":null,"error":{"message":"Invalid connection params shape","code":-32700,"data":{"code":"PARSE_ERROR","httpStatus":400}}}",
      ]
    `);

    // A bad token at the upgrade: the context is made at once, and fails the connection.
    const upgradeBad = await socket(`?token=${token}x`);
    const upgradeBadCode = await upgradeBad.closed;
    expect([upgradeBadCode, ...upgradeBad.frames.items]).toMatchInlineSnapshot(`
      [
        1005,
        "{"id":null,"error":{"message":"the token is not valid: log in again","code":-32001,"data":{"code":"UNAUTHORIZED","httpStatus":401}}}",
      ]
    `);
  });
});
