import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { ADMIN_PROCEDURE_PATHS, appRouter } from "@parley/api";
import { schema } from "@parley/db";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { eq } from "drizzle-orm";
import type { OpenApiMeta } from "trpc-to-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient } from "./clients";
import { type RunningRedis, type RunningServer, startRealtime, startRedis } from "./processes";

/** Headers that differ between any two answers (time, request id) and say nothing of the route. */
const VARYING = new Set(["date", "x-request-id", "keep-alive", "connection"]);

/** A made-up path of the same shape and length as `path`: its last name replaced by q's. */
function madeUp(path: string, separator: string): string {
  const parts = path.split(separator);
  const last = parts.length - 1;
  parts[last] = "q".repeat(parts[last]?.length ?? 1);
  return parts.join(separator);
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An HTTP answer, with `path` in its body written as `<path>` so that two paths' answers compare. */
async function answerOf(url: string, init: RequestInit, path: string): Promise<Answer> {
  const response = await fetch(url, init);
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name)));
  const body = (await response.text()).split(path).join("<path>");
  return { status: response.status, headers, body };
}

/**
 * Issue 18: "non-administrators get the same 404 as for a page that does not exist". For every
 * administrator's procedure, and every kind of caller who is not an administrator (signed out, a
 * bad token, a member, a member's personal access token, a bot), the answer over tRPC HTTP (GET,
 * POST, batched), REST (every verb) and tRPC over WebSocket (query, mutation, subscription) is
 * the same, status, headers and body, as for a made-up path of the same shape.
 */
describe("the administration, for anyone but an administrator", () => {
  let database: TestDatabase;
  let redis: RunningRedis;
  let server: RunningServer;
  const callers: { kind: string; token: string | null }[] = [];
  let adminToken: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    redis = await startRedis();
    server = await startRealtime({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: `t${randomBytes(4).toString("hex")}:`,
      JWT_SECRET: "an admin surface test secret, 32 bytes or more",
    });
    const register = (username: string) =>
      httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" });
    const admin = await register(`a${randomBytes(4).toString("hex")}`); // the first account: an administrator
    adminToken = admin.token;
    const member = await register(`m${randomBytes(4).toString("hex")}`);
    const asAdmin = httpClient(server.url, admin.token);
    const bot = await asAdmin.bots.create.mutate({ username: `b${randomBytes(4).toString("hex")}` });
    const botToken = await asAdmin.bots.createToken.mutate({ botId: bot.id, name: "ci", expiresAt: null });
    const pat = await httpClient(server.url, member.token).tokens.create.mutate({ name: "mine", expiresAt: null });
    const [memberRow] = await database.handle.db.select().from(schema.users).where(eq(schema.users.id, member.user.id));
    expect(memberRow?.role).toBe("member");
    callers.push(
      { kind: "signed out", token: null },
      { kind: "a bad token", token: "not-a-token" },
      { kind: "a member", token: member.token },
      { kind: "a member's access token", token: pat.token },
      { kind: "a bot", token: botToken.token },
    );
  });
  afterAll(async () => {
    await server?.stop();
    await redis?.stop();
    await database?.dispose();
  });

  const authorization = (token: string | null): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};

  it("covers every administrator's procedure", () => {
    expect([...ADMIN_PROCEDURE_PATHS].sort()).toEqual(
      expect.arrayContaining(["admin.users", "admin.audit", "bots.create", "registration.revokeInvite"]),
    );
    expect(ADMIN_PROCEDURE_PATHS.has("auth.me")).toBe(false);
  });

  it("answers tRPC over HTTP (GET, POST, batched) as for a procedure that does not exist", async () => {
    for (const { kind, token } of callers) {
      for (const path of ADMIN_PROCEDURE_PATHS) {
        const fake = madeUp(path, ".");
        const requests = (p: string): [string, RequestInit][] => [
          [`/trpc/${p}?input=${encodeURIComponent("{}")}`, { method: "GET" }],
          [`/trpc/${p}`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } }],
          [`/trpc/${p}`, { method: "POST", body: "not json", headers: { "content-type": "application/json" } }],
          [`/trpc/${p}`, { method: "PUT", body: "{}", headers: { "content-type": "application/json" } }],
          [`/trpc/${p}?input=${encodeURIComponent("{}")}`, { method: "DELETE" }],
          [`/trpc/${p}`, { method: "HEAD" }],
          [`/trpc/${p}`, { method: "OPTIONS" }],
          [`/trpc/${p},auth.me?batch=1&input=${encodeURIComponent('{"0":{}}')}`, { method: "GET" }],
          [
            `/trpc/auth.me,${p}?batch=1`,
            { method: "POST", body: '{"0":{},"1":{"userId":1}}', headers: { "content-type": "application/json" } },
          ],
        ];
        const real = requests(path);
        const made = requests(fake);
        for (const [i, [url, init]] of real.entries()) {
          const withAuth = { ...init, headers: { ...init.headers, ...authorization(token) } };
          const [fakeUrl, fakeInit] = made[i] as [string, RequestInit];
          const fakeWithAuth = { ...fakeInit, headers: { ...fakeInit.headers, ...authorization(token) } };
          const got = await answerOf(`${server.url}${url}`, withAuth, path);
          const expected = await answerOf(`${server.url}${fakeUrl}`, fakeWithAuth, fake);
          expect({ kind, request: `${init.method} ${url}`, ...got }).toEqual({
            kind,
            request: `${init.method} ${url}`,
            ...expected,
          });
        }
      }
    }
  });

  it("answers the REST routes (every verb) as for a route that does not exist", async () => {
    const routes = [...ADMIN_PROCEDURE_PATHS].map((path) => {
      const procedure = (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: OpenApiMeta } }>)[
        path
      ];
      const route = procedure?._def.meta?.openapi?.path;
      if (!route) throw new Error(`${path} has no REST route`);
      return `/api/v1${route.replace(/\{[^}]+\}/g, "1")}`;
    });
    expect(routes.length).toBe(ADMIN_PROCEDURE_PATHS.size);
    for (const { kind, token } of callers) {
      for (const route of new Set(routes)) {
        // Same shape: /api/v1/admin/<same length>/…
        const segments = route.split("/");
        segments[3] = "q".repeat(segments[3]?.length ?? 1);
        const fake = segments.join("/");
        for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]) {
          for (const body of method === "GET" || method === "HEAD" ? [undefined] : [undefined, '{"userId":1}']) {
            const init: RequestInit = {
              method,
              headers: { ...authorization(token), ...(body ? { "content-type": "application/json" } : {}) },
              ...(body ? { body } : {}),
            };
            const got = await answerOf(`${server.url}${route}`, init, route);
            const expected = await answerOf(`${server.url}${fake}`, init, fake);
            expect({ kind, request: `${method} ${route}`, ...got }).toEqual({
              kind,
              request: `${method} ${route}`,
              ...expected,
            });
            if (method !== "HEAD" && method !== "OPTIONS") expect(got.status).toBe(404);
          }
        }
      }
    }
  });

  it("answers tRPC over WebSocket (query, mutation, subscription) as for a procedure that does not exist", async () => {
    // A bad token's socket is refused as it opens (UNAUTHORIZED, then closed), before any call.
    for (const { kind, token } of callers.filter((c) => c.kind !== "a bad token")) {
      const socket = new WebSocket(`${server.url.replace("http", "ws")}/trpc${token ? `?token=${token}` : ""}`);
      await once(socket, "open");
      const answers = new Map<number, string>();
      const waiting = new Map<number, (answer: string) => void>();
      socket.on("message", (data) => {
        const text = String(data);
        const { id } = JSON.parse(text) as { id: number };
        answers.set(id, text);
        waiting.get(id)?.(text);
      });
      let next = 1;
      const call = (method: string, path: string) => {
        const id = next++;
        const answer = new Promise<string>((resolve) => {
          const got = answers.get(id);
          if (got) resolve(got);
          else waiting.set(id, resolve);
        });
        socket.send(JSON.stringify({ id, method, params: { path, input: { userId: 1 } } }));
        return answer.then((text) => text.replace(`"id":${id}`, '"id":0').split(path).join("<path>"));
      };
      for (const path of ADMIN_PROCEDURE_PATHS) {
        for (const method of ["query", "mutation", "subscription"]) {
          const got = await call(method, path);
          const expected = await call(method, madeUp(path, "."));
          expect({ kind, call: `${method} ${path}`, got }).toEqual({ kind, call: `${method} ${path}`, got: expected });
          expect(got).toContain("NOT_FOUND");
        }
      }
      socket.close();
    }
  });

  it("still serves an administrator", async () => {
    const asAdmin = await fetch(`${server.url}/api/v1/admin/users`, { headers: authorization(adminToken) });
    expect(asAdmin.status).toBe(200);
    const overTrpc = await fetch(`${server.url}/trpc/admin.audit?input=${encodeURIComponent("{}")}`, {
      headers: authorization(adminToken),
    });
    expect(overTrpc.status).toBe(200);
    const wrongMethod = await fetch(`${server.url}/trpc/admin.audit`, {
      method: "POST",
      body: "{}",
      headers: { ...authorization(adminToken), "content-type": "application/json" },
    });
    expect(wrongMethod.status).toBe(405); // for administrators, tRPC's own answers
  });
});
