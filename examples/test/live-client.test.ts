import { spawn } from "node:child_process";
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@parley/db/testing";
import { type RunningServer, repoRoot, restartablePort, startRealtime, stopProcess } from "@parley/realtime/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "a live-client test secret of 32 bytes or more";

async function post(baseUrl: string, procedure: string, input: unknown, token?: string) {
  const response = await fetch(`${baseUrl}/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { result?: { data: unknown }; error?: unknown };
  if (!response.ok) throw new Error(`${procedure}: ${JSON.stringify(body.error)}`);
  return body.result?.data as Record<string, unknown>;
}

describe("the live-client example (splitLink, wsLink with connectionParams) across a server restart", () => {
  let database: TestDatabase;
  const servers: RunningServer[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const server = await startRealtime({ DATABASE_URL: database.url, JWT_SECRET: SECRET, ...env });
    servers.push(server);
    return server;
  };
  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.dispose();
  });

  it("prints every message once, in order, resuming after it lost its server", async () => {
    const port = String(await restartablePort());
    const first = await start({ REALTIME_PORT: port });
    const owner = await post(first.url, "auth.register", { username: "owner", password: "pw-pw-pw" });
    const token = owner.token as string;
    const room = await post(first.url, "rooms.create", { name: "Live Room" }, token);
    const send = (server: RunningServer, text: string) =>
      post(server.url, "messages.send", { roomId: room.id, text }, token);

    const client = spawn(
      path.join(repoRoot, "node_modules/.bin/tsx"),
      [path.join(repoRoot, "examples/live-client.ts")],
      {
        env: { ...process.env, PARLEY_URL: first.url, PARLEY_ROOM: "Live Room" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const waiters: (() => void)[] = [];
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString();
      for (const wake of waiters.splice(0)) wake();
    };
    client.stdout.on("data", onOutput);
    client.stderr.on("data", onOutput);
    const printed = async (text: string) => {
      const deadline = Date.now() + 30_000;
      while (!output.includes(text)) {
        if (Date.now() > deadline) throw new Error(`the client never printed "${text}":\n${output}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 500).unref();
        });
      }
    };

    try {
      await printed("* following");
      await send(first, "one");
      await printed(": one");

      await first.stop();
      await printed("* disconnected");
      const elsewhere = await start(); // the same database, reached through another instance
      await send(elsewhere, "two");
      await send(elsewhere, "three");

      const again = await start({ REALTIME_PORT: port });
      await printed(": three");
      await send(again, "four");
      await printed(": four");

      const lines = output.split("\n").filter((line) => /^\[\d+\] owner: /.test(line));
      expect(lines.map((l) => l.replace(/^\[\d+\] owner: /, ""))).toEqual(["one", "two", "three", "four"]);
      const seqs = lines.map((l) => Number(/^\[(\d+)\]/.exec(l)?.[1]));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(output).toContain("* connected");
    } finally {
      await stopProcess(client);
    }
  });
});
