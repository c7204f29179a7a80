import { once } from "node:events";
import { type IncomingMessage, request } from "node:http";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { everyKindOfApiAnswer, type RunningServer, startRealtime } from "./processes";

describe("tRPC over HTTP on a real realtime process", () => {
  let database: TestDatabase;
  let server: RunningServer;
  const post = (procedure: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
  /** Rows of users and messages: what a refused request must leave as it was. */
  const rowCounts = async () => {
    const sql = postgres(database.url, { max: 1 });
    const [row] =
      await sql`select (select count(*)::int from users) as users, (select count(*)::int from messages) as messages`;
    await sql.end();
    return row;
  };

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: "an http test secret of 32 bytes or more" });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("registers and answers an authenticated query", async () => {
    const registered = await post("auth.register", JSON.stringify({ username: "http-user", password: "pw-pw-pw" }));
    expect(registered.status).toBe(200);
    const { result } = (await registered.json()) as { result: { data: { token: string } } };
    const me = await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: result.data.token } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { result: { data: { username: string } } }).result.data.username).toBe("http-user");
  });

  it("answers a page of history (a hot query, answered without tRPC's adapter) as the adapter answers it", async () => {
    const registered = await post("auth.register", JSON.stringify({ username: "hot-query", password: "pw-pw-pw" }));
    const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
    const auth = { authorization: `Bearer ${token}` };
    const { id: roomId } = (
      (await (await post("rooms.create", '{"name":"hot-query"}', auth)).json()) as { result: { data: { id: number } } }
    ).result.data;
    for (const text of ["one", "two", "three"])
      expect((await post("messages.send", JSON.stringify({ roomId, text }), auth)).status).toBe(200);
    const input = { roomId, limit: 2 };
    const hot = await fetch(`${server.url}/trpc/history.list?input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: auth,
    });
    // A batch of one is never hot: tRPC's adapter answers it.
    const batched = await fetch(
      `${server.url}/trpc/history.list?batch=1&input=${encodeURIComponent(JSON.stringify({ 0: input }))}`,
      { headers: auth },
    );
    expect(hot.status).toBe(200);
    expect(batched.status).toBe(200);
    for (const header of ["content-type", "vary", "x-content-type-options"])
      expect(hot.headers.get(header)).toBe(batched.headers.get(header));
    expect(hot.headers.get("x-request-id")).toBeTruthy();
    // The hot path writes the page in one piece with its length; the adapter pipes it in chunks.
    expect(hot.headers.get("content-length")).toMatch(/^\d+$/);
    expect(batched.headers.get("content-length")).toBeNull();
    const page = (await hot.json()) as { result: { data: { items: { body: string }[]; hasMore: boolean } } };
    expect(page).toEqual(((await batched.json()) as unknown[])[0]);
    expect(page.result.data.items.map((m) => m.body)).toEqual(["three", "two"]);
    expect(page.result.data.hasMore).toBe(true);

    // A failed hot query is answered with tRPC's adapter's statuses and error shapes.
    const failing: [Record<string, string>, string, number, RegExp][] = [
      [{}, JSON.stringify(input), 401, /sign in/],
      [auth, JSON.stringify({ roomId: roomId + 1000 }), 404, /room/],
      [auth, JSON.stringify({ roomId, limit: 0 }), 400, /limit/],
      [auth, "{not json", 400, /JSON|parse/i],
    ];
    for (const [headers, raw, status, words] of failing) {
      const response = await fetch(`${server.url}/trpc/history.list?input=${encodeURIComponent(raw)}`, { headers });
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: { message: string; data: { httpStatus: number } } };
      expect(body.error.message).toMatch(words);
      expect(body.error.data.httpStatus).toBe(status);
    }
  });

  it("answers bad requests with a 4xx and words, and stores nothing", async () => {
    const registered = await post("auth.register", JSON.stringify({ username: "bad-input", password: "pw-pw-pw" }));
    const { token } = ((await registered.json()) as { result: { data: { token: string } } }).result.data;
    const auth = { authorization: `Bearer ${token}` };
    const { id: roomId } = (
      (await (await post("rooms.create", '{"name":"bad-input"}', auth)).json()) as { result: { data: { id: number } } }
    ).result.data;
    const query = (procedure: string, input: unknown) =>
      fetch(`${server.url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: auth });
    const before = await rowCounts();
    const cases: [Response, number, RegExp][] = [
      [await post("auth.register", "{not json"), 400, /JSON|parse/i],
      [await post("auth.register", JSON.stringify({ username: 7 })), 400, /username/],
      [await post("auth.register", JSON.stringify({ username: "x".repeat(2_000_000), password: "p" })), 413, /large/i],
      [await post("auth.nope", "{}"), 404, /No procedure/i],
      [await fetch(`${server.url}/trpc/auth.me`), 401, /sign in/],
      [await fetch(`${server.url}/trpc/auth.me`, { headers: { authorization: "Bearer junk" } }), 401, /not valid/],
      [await fetch(`${server.url}/elsewhere`), 404, /nothing is served/],
      [await post("messages.send", `{"roomId":${roomId},"__proto__":{"text":"polluted"}}`, auth), 400, /text/],
      [await post("messages.send", `{"roomId":${roomId},"text":"a\\u0000b"}`, auth), 400, /NUL/],
      [await post("messages.send", `{"roomId":${2 ** 40},"text":"polluted"}`, auth), 400, /at most/],
      [await query("history.list", { roomId: 2 ** 31 }), 400, /at most/],
      [await query("users.list", { cursor: Buffer.from("\u0000").toString("base64url") }), 400, /cursor/],
      [await query("users.list", { cursor: Buffer.from("bob").toString("base64url") }), 400, /cursor/],
      [await query("rooms.public", { cursor: "hello" }), 400, /cursor/],
    ];
    for (const [response, status, words] of cases) {
      expect(response.status).toBe(status);
      const body = await response.text();
      expect(body).toMatch(words);
      expect(body).not.toContain('"stack"'); // stack traces stay in the server's log
    }
    // A subscription over HTTP (server-sent events) answers 200 at once, then its error as an event.
    for (const lastEventId of ["", "0x5"]) {
      const stream = await query("events.room", { roomId, lastEventId });
      expect(await stream.text()).toMatch(/BAD_REQUEST[\s\S]*lastEventId|lastEventId[\s\S]*BAD_REQUEST/);
    }
    expect(await rowCounts()).toEqual(before);
  });

  it("tells browsers not to sniff any answer: every JSON and plain-text answer carries nosniff", async () => {
    const answers = await everyKindOfApiAnswer(server.url);
    answers.push({ request: "404", response: await fetch(`${server.url}/elsewhere?x=1`) });
    const seen = answers.map((a) => [a.request, a.response.headers.get("x-content-type-options")]);
    // An upgrade refused in plain HTTP (here: from an origin that may not connect).
    const upgrade = request(`${server.url}/trpc`, {
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        origin: "https://elsewhere.example",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    }).end();
    const [refused] = (await once(upgrade, "response")) as [IncomingMessage];
    refused.resume();
    expect(refused.statusCode).toBe(403);
    seen.push(["refused upgrade", String(refused.headers["x-content-type-options"])]);
    expect(new Set(answers.map((a) => a.response.status))).toEqual(new Set([200, 400, 401, 404, 413]));
    expect(seen).toEqual(seen.map(([name]) => [name, "nosniff"]));
  });

  it("runs a batch of up to MAX_BATCH_SIZE calls, and refuses a bigger one whole", async () => {
    const batch = (size: number) =>
      fetch(
        `${server.url}/trpc/${Array.from({ length: size }, () => "auth.me").join(",")}?batch=1&input=${encodeURIComponent(
          JSON.stringify(Object.fromEntries(Array.from({ length: size }, (_, i) => [i, null]))),
        )}`,
      );
    const allowed = await batch(MAX_BATCH_SIZE);
    expect(allowed.status).toBe(401); // every call answered (none signed in), in one response
    expect(((await allowed.json()) as unknown[]).length).toBe(MAX_BATCH_SIZE);
    const refused = await batch(MAX_BATCH_SIZE + 1);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/batch/i);
  });

  it("closes a socket when its token expires", async () => {
    const shortLived = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "an http test secret of 32 bytes or more",
      TOKEN_TTL_SECONDS: "5",
      SESSION_CHECK_MS: "250",
    });
    try {
      const registered = await fetch(`${shortLived.url}/trpc/auth.register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "short-lived", password: "pw-pw-pw" }),
      });
      const { result } = (await registered.json()) as { result: { data: { token: string } } };
      const socket = new WebSocket(`${shortLived.url.replace("http", "ws")}/trpc?token=${result.data.token}`);
      await once(socket, "open");
      const [code, reason] = await once(socket, "close");
      expect([code, String(reason)]).toEqual([4401, "token expired"]);
    } finally {
      await shortLived.stop();
    }
  });

  it("closes sockets whose session the database says has ended, with no announcement on the bus", async () => {
    const checking = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "an http test secret of 32 bytes or more",
      SESSION_CHECK_MS: "250",
    });
    const sql = postgres(database.url, { max: 1 });
    try {
      const signUp = async (username: string) => {
        const registered = await fetch(`${checking.url}/trpc/auth.register`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username, password: "pw-pw-pw" }),
        });
        const { result } = (await registered.json()) as { result: { data: { token: string } } };
        const token = result.data.token;
        const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { jti: string };
        const socket = new WebSocket(`${checking.url.replace("http", "ws")}/trpc?token=${token}`);
        await once(socket, "open");
        return { socket, jti: claims.jti, username };
      };
      // Several sessions checked at once (the check asks about all of them in one statement each).
      const [revoked, ended, kept] = [await signUp("revoked-db"), await signUp("ended-db"), await signUp("kept-db")];
      const closed = (socket: WebSocket) =>
        once(socket, "close").then(([code, reason]) => [code, String(reason)] as [number, string]);
      const revokedClosed = closed(revoked.socket);
      const endedClosed = closed(ended.socket);
      // Written straight to the database: no process announces them, only the periodic check finds them.
      await sql`insert into revoked_tokens (jti, expires_at) values (${revoked.jti}, now() + interval '1 day')`;
      await sql`update users set sessions_valid_after = now() + interval '1 minute' where username = ${ended.username}`;
      expect(await revokedClosed).toEqual([4401, "token revoked"]);
      expect(await endedClosed).toEqual([4401, "password changed"]);
      expect(kept.socket.readyState).toBe(WebSocket.OPEN);
      kept.socket.close();
    } finally {
      await sql.end();
      await checking.stop();
    }
  });

  it("closes cleanly on SIGTERM, even with a client that reconnects the moment it is asked to", async () => {
    const url = `${server.url.replace(/^http/, "ws")}/trpc`;
    let reconnects = 0;
    let exitedAlready = false;
    // As tRPC's client does: a new socket as soon as the server says `reconnect`, before the old
    // one has closed, and again whenever one closes.
    const follow = (ws: WebSocket) => {
      const again = () => {
        if (exitedAlready) return;
        reconnects++;
        follow(new WebSocket(url));
      };
      ws.on("error", () => {});
      ws.on("message", (data) => {
        if (String(data).includes('"reconnect"')) again();
      });
      ws.once("close", again);
    };
    const first = new WebSocket(url);
    await once(first, "open");
    follow(first);
    const exited = new Promise<number | null>((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGTERM");
    expect(await exited).toBe(0);
    exitedAlready = true;
    expect(reconnects).toBeGreaterThan(0);
  });
});
