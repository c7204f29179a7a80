import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningRedis, type RunningServer, signUpOn, startRealtime, startRedis } from "./processes";

interface Operation {
  responses: Record<string, { headers?: Record<string, unknown> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const UPLOAD_MAX_BYTES = 64 * 1024;

/**
 * Issue 18's REST API as documented at /openapi.json against what a real server answers: for a
 * sample of routes per status class (2xx, 204, 400, 401, 403, 404, 409, 413, 415, 429), the status
 * the server answered is documented for that route, a 429's Retry-After is documented and sent,
 * and no error schema forbids the fields answers carry. And every transport's 413 says what was
 * too large and the limit in bytes.
 */
describe("the OpenAPI document and the answers", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let server: RunningServer;
  let dataDir: string;
  let document: Document;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "parley-openapi-"));
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    server = await startRealtime({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an openapi answers test secret, 32 bytes or more",
      DATA_DIR: dataDir,
      UPLOAD_MAX_BYTES: String(UPLOAD_MAX_BYTES),
      LIMIT_LOGIN_PER_ACCOUNT: "2/1h",
    });
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await database?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** The documented operation of a concrete request path (`/api/v1/rooms/12` matches `/api/v1/rooms/{roomId}`). */
  function operationOf(method: string, concrete: string): Operation {
    const pathname = concrete.split("?")[0] ?? concrete;
    for (const [template, operations] of Object.entries(document.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      const operation = operations[method.toLowerCase()];
      if (pattern.test(pathname) && operation) return operation;
    }
    throw new Error(`${method} ${concrete} is not documented`);
  }

  /** The status a request answered is among those its documented operation lists. */
  function expectDocumented(method: string, route: string, status: number) {
    const documented = Object.keys(operationOf(method, route).responses);
    expect({ request: `${method} ${route}`, documented }).toEqual({
      request: `${method} ${route}`,
      documented: expect.arrayContaining([String(status)]),
    });
  }

  const call = (method: string, route: string, token: string | null, body?: string, type = "application/json") =>
    fetch(`${server.url}${route}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": type } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });

  it("documents the status each sampled route really answers", async () => {
    const owner = await signUpOn(server); // the first account: an administrator
    const member = await signUpOn(server);
    const roomName = `r-${randomBytes(4).toString("hex")}`;
    const room = await owner.http.rooms.create.mutate({ name: roomName });
    const pat = await member.http.tokens.create.mutate({ name: "to revoke", expiresAt: null });
    const samples: [string, string, string | null, string | undefined, number, string?][] = [
      ["GET", "/api/v1/rooms", member.token, undefined, 200],
      ["POST", "/api/v1/rooms", member.token, `{"name":"x-${randomBytes(3).toString("hex")}"}`, 200],
      ["GET", "/api/v1/admin/users", owner.token, undefined, 200],
      ["DELETE", `/api/v1/tokens/${pat.accessToken.id}`, member.token, undefined, 204],
      ["POST", `/api/v1/rooms/${room.id}/typing`, owner.token, undefined, 204],
      ["POST", "/api/v1/auth/register", null, '{"username":"x","password":"correct horse"}', 400],
      ["GET", "/api/v1/rooms/not-a-number", member.token, undefined, 400],
      ["GET", "/api/v1/rooms", null, undefined, 401],
      ["GET", "/api/v1/rooms", "not-a-token", undefined, 401],
      ["PATCH", `/api/v1/rooms/${room.id}`, member.token, '{"topic":"not mine"}', 403],
      ["GET", "/api/v1/rooms/999999", member.token, undefined, 404],
      ["GET", "/api/v1/admin/users", member.token, undefined, 404],
      ["POST", "/api/v1/admin/users/1/disable", null, undefined, 404],
      ["DELETE", "/api/v1/admin/invites/1", member.token, undefined, 404],
      ["POST", "/api/v1/rooms", owner.token, `{"name":"${roomName.toUpperCase()}"}`, 409],
      ["POST", "/api/v1/admin/users/1/disable", owner.token, undefined, 409], // the last administrator
      ["POST", "/api/v1/rooms", member.token, JSON.stringify({ name: "x".repeat(1_100_000) }), 413],
      ["POST", "/api/v1/rooms", member.token, `{"name":"plain-${randomBytes(3).toString("hex")}"}`, 415, "text/plain"],
    ];
    for (const [method, route, token, body, expected, type] of samples) {
      const response = await call(method, route, token, body, type);
      const text = await response.text();
      expect({ request: `${method} ${route}`, status: response.status, text }).toMatchObject({
        request: `${method} ${route}`,
        status: expected,
      });
      expectDocumented(method, route, expected);
      if (expected === 204) expect(text).toBe("");
    }
    // An administrator's route documents no 401: anyone but an administrator gets its 404.
    expect(Object.keys(operationOf("GET", "/api/v1/admin/users").responses)).not.toContain("401");
    // A void route is 204, never an empty 200.
    expect(Object.keys(operationOf("POST", `/api/v1/rooms/${room.id}/typing`).responses)).not.toContain("200");
  });

  it("documents 429 and its Retry-After where a rate limit answers it", async () => {
    const user = await signUpOn(server);
    const login = () =>
      call("POST", "/api/v1/auth/login", null, JSON.stringify({ login: user.user.username, password: "wrong one" }));
    let limited: Response | undefined;
    for (let i = 0; i < 5 && !limited; i++) {
      const response = await login();
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(401);
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    const documented = operationOf("POST", "/api/v1/auth/login").responses["429"];
    expect(documented?.headers).toHaveProperty("Retry-After");
  });

  it("lets error answers carry more than message and code", async () => {
    const answer = (await (await call("GET", "/api/v1/rooms", null)).json()) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual(expect.arrayContaining(["message", "code", "data"]));
    const errors = Object.entries(document.components.schemas).filter(([name]) => name.startsWith("error."));
    expect(errors.length).toBeGreaterThan(5);
    for (const [name, schema] of errors)
      expect({ name, schema: JSON.stringify(schema) }).not.toMatchObject({
        schema: expect.stringContaining('"additionalProperties":false'),
      });
  });

  it("documents the routes that are not procedures (files, incoming webhooks, probes) as they answer", async () => {
    const user = await signUpOn(server);
    const { id: roomId } = await user.http.rooms.create.mutate({ name: `plain-${randomBytes(4).toString("hex")}` });
    const hook = await user.http.webhooks.create.mutate({ roomId, name: "plain" });
    const upload = await call("POST", `/files?roomId=${roomId}&name=notes.txt`, user.token, "some notes", "text/plain");
    const file = (await upload.clone().json()) as { id: string };
    const wrongSecret = hook.path.replace(/\/[^/]+$/, "/not-the-secret");
    const answers: [string, string, () => Promise<Response>, number][] = [
      ["POST", "/files?roomId=1", async () => upload, 201],
      [
        "POST",
        `/files?roomId=${roomId}`,
        () => call("POST", `/files?roomId=${roomId}`, user.token, "x", "text/plain"),
        400,
      ],
      [
        "POST",
        "/files?roomId=1&name=a.txt",
        () => call("POST", "/files?roomId=1&name=a.txt", null, "x", "text/plain"),
        401,
      ],
      [
        "GET",
        `/files/${file.id}`,
        () =>
          fetch(`${server.url}/files/${file.id}`, {
            headers: { authorization: `Bearer ${user.token}` },
            redirect: "manual",
          }),
        302,
      ],
      ["GET", `/files/${file.id}/thumbnail`, () => call("GET", `/files/${file.id}/thumbnail`, user.token), 404],
      ["POST", hook.path, () => call("POST", hook.path, null, '{"text":"documented"}'), 200],
      ["POST", hook.path, () => call("POST", hook.path, null, '{"nothing":"here"}'), 400],
      ["POST", hook.path, () => call("POST", wrongSecret, null, '{"text":"x"}'), 403],
      ["GET", "/healthz", () => call("GET", "/healthz", null), 200],
      ["GET", "/readyz", () => call("GET", "/readyz", null), 200],
      ["GET", "/metrics", () => call("GET", "/metrics", null), 200],
    ];
    for (const [method, route, send, expected] of answers) {
      const response = await send();
      expect({ request: `${method} ${route}`, status: response.status }).toEqual({
        request: `${method} ${route}`,
        status: expected,
      });
      expectDocumented(method, route, expected);
    }
  });

  it("says, on every transport, what was too large and the limit in bytes", async () => {
    const user = await signUpOn(server);
    const { id: roomId } = await user.http.rooms.create.mutate({ name: `big-${randomBytes(4).toString("hex")}` });
    const hook = await user.http.webhooks.create.mutate({ roomId, name: "big" });
    const huge = JSON.stringify({ name: "x".repeat(1_100_000) });
    // Over the 64 KiB limits, and small enough to be sent whole before the answer closes the connection.
    const over64k = JSON.stringify({ text: "x".repeat(70_000) });
    const cases: [string, () => Promise<Response>, RegExp][] = [
      [
        "tRPC over HTTP",
        () => call("POST", "/trpc/rooms.create", user.token, huge),
        /body is too large: at most 1048576 bytes/,
      ],
      [
        "tRPC over HTTP, batched",
        () => call("POST", "/trpc/rooms.create,rooms.create?batch=1", user.token, huge),
        /body is too large: at most 1048576 bytes/,
      ],
      ["REST", () => call("POST", "/api/v1/rooms", user.token, huge), /body is too large: at most 1048576 bytes/],
      ["seed REST", () => call("POST", "/login", null, over64k), /body is too large: at most 65536 bytes/],
      [
        "files",
        () =>
          call(
            "POST",
            `/files?roomId=${roomId}&name=big.bin`,
            user.token,
            "x".repeat(UPLOAD_MAX_BYTES + 1),
            "application/octet-stream",
          ),
        new RegExp(`file is too large: at most ${UPLOAD_MAX_BYTES} bytes`),
      ],
      [
        "incoming webhook",
        () => call("POST", hook.path, null, over64k),
        /^request_too_large: the body is too large: at most 65536 bytes/,
      ],
    ];
    for (const [transport, send, words] of cases) {
      const response = await send();
      const text = await response.text();
      expect({ transport, status: response.status, text }).toEqual({
        transport,
        status: 413,
        text: expect.stringMatching(words),
      });
    }
  });
});
