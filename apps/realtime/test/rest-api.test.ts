import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startRealtime } from "./processes";

const SECRET = "a REST test secret, 32 bytes or more!!!!";

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/**
 * The REST API under /api/v1 and its OpenAPI document, on a real realtime process: the document
 * is valid OpenAPI 3.1, every operation in it reaches its procedure (never the router's "Not
 * found", never a 500), answers carry the procedures' errors in words with their statuses, and
 * /docs serves the reference page with its files.
 */
describe("the REST API and its OpenAPI document", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let document: Document;
  let token: string;
  const ids: Record<string, number> = {};
  const call = (method: string, path: string, body?: unknown, auth = true) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: SECRET });
    document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Document;
    const session = (await (
      await call("POST", "/api/v1/auth/register", { username: "resty", password: "correct horse" }, false)
    ).json()) as { token: string; user: { id: number } };
    token = session.token;
    const room = (await (await call("POST", "/api/v1/rooms", { name: "REST room" })).json()) as { id: number };
    const message = (await (await call("POST", `/api/v1/rooms/${room.id}/messages`, { text: "hello" })).json()) as {
      id: number;
      seq: number;
    };
    Object.assign(ids, { userId: session.user.id, roomId: room.id, messageId: message.id, seq: message.seq, id: 1 });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("is one valid OpenAPI 3.1 document of Parley's REST API and the seed endpoints", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    const paths = Object.keys(document.paths);
    expect(paths).toContain("/api/v1/rooms/{roomId}/messages");
    expect(paths).toContain("/register"); // a seed endpoint
    expect(paths.filter((p) => !p.startsWith("/api/v1/")).every((p) => !p.includes("trpc"))).toBe(true);
  });

  it("reaches a procedure from every operation it documents: never a missing route, never a 500", async () => {
    const operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/api/v1/"))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ path, method })));
    expect(operations.length).toBeGreaterThan(30);
    const answers: string[] = [];
    for (const { path, method } of operations) {
      // Logging out would end the token the rest of the sweep uses.
      if (path === "/api/v1/auth/logout") continue;
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => String(ids[name] ?? 1));
      const response = await call(
        method.toUpperCase(),
        concrete,
        method === "get" || method === "delete" ? undefined : {},
      );
      // A procedure that answers nothing (leave, markRead) answers 200 with an empty body.
      const text = await response.text();
      const body = (text ? JSON.parse(text) : {}) as { message?: string; code?: string };
      answers.push(`${method} ${path}: ${response.status} ${body.message ?? ""}`);
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
      expect(body.message, `${method} ${path}`).not.toBe("Not found");
    }
    expect(answers.length).toBe(operations.length - 1);
  });

  it("answers bad input, a missing session and a missing thing in words, with their statuses", async () => {
    const short = await call("POST", "/api/v1/auth/register", { username: "x", password: "correct horse" }, false);
    expect(short.status).toBe(400);
    expect(((await short.json()) as { message: string }).message).toMatch(/username must be at least 2 characters/);
    const anonymous = await call("GET", "/api/v1/rooms", undefined, false);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { message: string }).message).toMatch(/sign in/);
    const missing = await call("GET", "/api/v1/rooms/999999");
    expect(missing.status).toBe(404);
    expect((await call("POST", "/api/v1/rooms", { name: "Taken room" })).status).toBe(200);
    const taken = await call("POST", "/api/v1/rooms", { name: "taken ROOM" });
    expect(taken.status).toBe(409);
    const route = await call("GET", "/api/v1/no/such/route");
    expect(route.status).toBe(404);
    // A body that is not JSON, and a HEAD request, are answered in words, never with a 500.
    for (const path of ["/api/v1/auth/login", "/api/v1/rooms", "/api/v1/admin/users/1/disable"]) {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: "{bad",
      });
      expect(response.status, path).toBe(400);
      expect(((await response.json()) as { message: string }).message, path).toMatch(/not valid JSON/);
    }
    for (const path of ["/api/v1/rooms", "/api/v1/nothing/here"]) {
      const head = await fetch(`${server.url}${path}`, {
        method: "HEAD",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(head.status, path).toBeLessThan(500);
    }
  });

  it("is the same API as tRPC: a message sent over REST is in the room's history over tRPC", async () => {
    // A room of its own: the sweep above left (or, as the administrator it is, deleted) the first one.
    const room = (await (await call("POST", "/api/v1/rooms", { name: "Second REST room" })).json()) as { id: number };
    const sent = await call("POST", `/api/v1/rooms/${room.id}/messages`, { text: "over REST", clientId: "rest-1" });
    expect(sent.status).toBe(200);
    const again = await call("POST", `/api/v1/rooms/${room.id}/messages`, { text: "over REST", clientId: "rest-1" });
    expect(((await again.json()) as { id: number }).id).toBe(((await sent.json()) as { id: number }).id);
    const input = encodeURIComponent(JSON.stringify({ roomId: room.id, limit: 10 }));
    const page = (await (
      await fetch(`${server.url}/trpc/history.list?input=${input}`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { result: { data: { items: { body: string }[] } } };
    expect(page.result.data.items.filter((m) => m.body === "over REST")).toHaveLength(1);
  });

  it("serves the interactive reference at /docs, with its files from this process", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/docs/swagger-ui-bundle.js");
    for (const file of ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js"]) {
      const response = await fetch(`${server.url}${file}`);
      expect(response.status, file).toBe(200);
      expect((await response.arrayBuffer()).byteLength, file).toBeGreaterThan(50);
    }
    expect((await fetch(`${server.url}/docs/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${server.url}/docs/package.json`)).status).toBe(404);
  });
});
