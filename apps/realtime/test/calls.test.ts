import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { MAX_BATCH_SIZE } from "@parley/api/schemas";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { httpClient, Inbox, sample } from "./clients";
import { type RunningServer, startRealtime } from "./processes";

interface Answer {
  id: number;
  result?: unknown;
  error?: { message: string; data?: { code?: string } };
}

/**
 * Limits counted in calls, not frames: one tRPC WebSocket frame may carry at most as many calls as
 * one batched HTTP request (tRPC's `maxBatchSize`), and each call costs the socket's allowance.
 */
describe("calls per WebSocket frame", () => {
  let database: TestDatabase;
  let server: RunningServer;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    server = await startRealtime({
      DATABASE_URL: database.url,
      JWT_SECRET: "a calls test secret of 32 bytes or more",
      WS_FRAMES_PER_CONNECTION: "30/3s",
    });
    const username = `u${randomBytes(4).toString("hex")}`;
    ({ token } = await httpClient(server.url).auth.register.mutate({ username, password: "pw-pw-pw" }));
  });
  afterAll(async () => {
    await server?.stop();
    await database?.dispose();
  });

  /** A signed-in raw tRPC socket, with its answers by id. */
  async function socket() {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/trpc?token=${token}`);
    const answers = new Inbox<Answer>();
    ws.on("message", (data) => answers.push(JSON.parse(String(data)) as Answer));
    await once(ws, "open");
    let nextId = 0;
    /** Sends one frame of `count` calls; resolves with their answers. */
    const batch = (count: number) => {
      const ids = Array.from({ length: count }, () => ++nextId);
      ws.send(JSON.stringify(ids.map((id) => ({ id, method: "query", params: { path: "auth.me" } }))));
      return answers
        .waitFor((all) => ids.every((id) => all.some((a) => a.id === id)), `answers to ${ids.length} calls`)
        .then((all) => all.filter((a) => ids.includes(a.id)));
    };
    return { ws, answers, batch };
  }

  it("runs a frame of as many calls as HTTP allows, and refuses a bigger one whole, answering each call", async () => {
    const { ws, answers, batch } = await socket();
    const full = await batch(MAX_BATCH_SIZE);
    expect(full.every((a) => a.result !== undefined)).toBe(true);

    const over = await batch(656);
    expect(over).toHaveLength(656);
    expect(over.some((a) => a.result !== undefined)).toBe(false); // none of them ran
    expect(new Set(over.map((a) => `${a.error?.data?.code} ${a.error?.message}`))).toEqual(
      new Set([
        `BAD_REQUEST a frame may carry at most ${MAX_BATCH_SIZE} calls and this one carries 656: send fewer at a time`,
      ]),
    );
    expect(answers.items.filter((a) => a.result !== undefined)).toHaveLength(MAX_BATCH_SIZE);
    ws.close();
  });

  it("counts each call of a frame against the socket's allowance, as if each came in a frame of its own", async () => {
    const { ws, batch } = await socket();
    const before =
      sample(
        await (await fetch(`${server.url}/metrics`)).text(),
        'parley_limited_total{limit="framesPerConnection"}',
      ) || 0;
    await batch(20);
    await batch(20); // 40 calls in two frames: over the allowance of 30 per 3 s
    const started = performance.now();
    await batch(1); // not read until the window ends
    expect(performance.now() - started).toBeGreaterThan(1000);
    const after =
      sample(
        await (await fetch(`${server.url}/metrics`)).text(),
        'parley_limited_total{limit="framesPerConnection"}',
      ) || 0;
    expect(after).toBeGreaterThan(before);
    ws.close();
  });
});
