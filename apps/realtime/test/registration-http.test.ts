import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startRealtime } from "./processes";

const SECRET = "a registration test secret, 32 bytes or more!";
const JSON_TYPE = { "content-type": "application/json" };

/**
 * The registration policy over HTTP, on a real realtime process started with REGISTRATION=invite:
 * tRPC's `auth.register` and every seed API's registration obey it with a 403 in words, and an
 * administrator's invite link opens it for one account.
 */
describe("registration by invite, set by REGISTRATION at start", () => {
  let database: TestDatabase;
  let server: RunningServer;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { ...JSON_TYPE, ...headers },
      body: JSON.stringify(body),
    });
  const trpcError = async (response: Response) =>
    ((await response.json()) as { error: { message: string } }).error.message;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: SECRET, REGISTRATION: "invite" });
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  it("still lets the first account in, as the administrator", async () => {
    const response = await post("/trpc/auth.register", { username: "root", password: "correct horse" });
    expect(response.status).toBe(200);
    const state = await fetch(`${server.url}/trpc/registration.state`);
    expect(((await state.json()) as { result: { data: unknown } }).result.data).toEqual({ policy: "invite" });
  });

  it("refuses everyone else without a link: tRPC and the seed APIs alike, with a 403 in words", async () => {
    const refused = await post("/trpc/auth.register", { username: "nolink", password: "correct horse" });
    expect(refused.status).toBe(403);
    expect(await trpcError(refused)).toMatch(/needs an invite link/);
    // Seeds 000, 001, 003, 004 register at /register; seed 002 signs up at /v1/api/auth/signup.
    for (const [path, body] of [
      ["/register", { username: "seeduser", password: "password", email: "seed@example.org" }],
      ["/v1/api/auth/signup", { username: "seeduser2", email: "seed2@example.org", password: "password" }],
    ] as const) {
      const response = await post(path, body);
      expect(response.status, path).toBe(403);
      expect(await response.text(), path).toMatch(/needs an invite link/);
    }
    const login = await post("/trpc/auth.login", { login: "nolink", password: "correct horse" });
    expect(login.status).toBe(401);
  });

  it("lets in one account per single-use link an administrator makes", async () => {
    const admin = await post("/trpc/auth.login", { login: "root", password: "correct horse" });
    const { token } = ((await admin.json()) as { result: { data: { token: string } } }).result.data;
    const created = await post("/trpc/registration.createInvite", {}, { authorization: `Bearer ${token}` });
    expect(created.status).toBe(200);
    const invite = ((await created.json()) as { result: { data: { token: string } } }).result.data.token;
    const first = await post("/trpc/auth.register", { username: "guest", password: "correct horse", invite });
    expect(first.status).toBe(200);
    const again = await post("/trpc/auth.register", { username: "guest2", password: "correct horse", invite });
    expect(again.status).toBe(403);
    expect(await trpcError(again)).toMatch(/used up/);
  });
});
