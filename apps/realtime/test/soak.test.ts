import { randomBytes } from "node:crypto";
import { messages, rooms } from "@parley/db/schema";
import { createTestDatabase, eventually, type TestDatabase, testRedisUrl } from "@parley/db/testing";
import { asc, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { followRoom, httpClient, type Inbox, type RoomMessage, sample, wsClient } from "./clients";
import { type RunningServer, startRealtime } from "./processes";

/**
 * How long and how big. `npm test` runs the bounded soak; `npm run soak -w @parley/realtime` runs
 * it for longer with more clients (or set these yourself).
 */
const settings = z
  .object({
    SOAK_SECONDS: z.coerce.number().positive().default(45),
    SOAK_CLIENTS: z.coerce.number().int().min(2).default(240),
    SOAK_ROOMS: z.coerce.number().int().min(1).default(12),
    /** Each client sends one message about this often (jittered). */
    SOAK_SEND_EVERY_MS: z.coerce.number().int().positive().default(3000),
  })
  .parse(process.env);

const SECRET = "a soak test secret of 32 bytes or more";
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface SoakClient {
  index: number;
  roomId: number;
  live: ReturnType<typeof wsClient>;
  inbox: Inbox<RoomMessage>;
  stop(): void;
  /** The room's last seq when this client subscribed: it must see every message after it. */
  from: number;
  /** How often its socket closed under it (and it resumed). */
  reconnects: number;
  /** clientId → the seq the server acknowledged. */
  acknowledged: Map<string, number>;
}

/**
 * A soak: a few hundred clients over two realtime instances, in a dozen rooms, each sending now and
 * then over its own WebSocket, while the instances are restarted one after the other (a rolling
 * deploy: each client's socket moves to the other instance and resumes). Afterwards the database is
 * the judge: every acknowledged send stored once under the seq it was acknowledged with, each room's
 * seqs without a gap, and every client has seen every message of its room after the point it
 * subscribed, once each and in order. Then both instances are back to no connections.
 */
describe(`a soak of ${settings.SOAK_CLIENTS} clients in ${settings.SOAK_ROOMS} rooms for ${settings.SOAK_SECONDS} s`, () => {
  let database: TestDatabase;
  const instances: RunningServer[] = [];
  const up = [true, true];
  const REDIS_PREFIX = `soak${randomBytes(4).toString("hex")}:`;
  const env = () => ({ DATABASE_URL: database.url, REDIS_URL: testRedisUrl, REDIS_PREFIX, JWT_SECRET: SECRET });

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    instances.push(...(await Promise.all([startRealtime(env()), startRealtime(env())])));
  });
  afterAll(async () => {
    await Promise.all(instances.map((s) => s.stop()));
    await database?.dispose();
  });

  /** A rolling restart of instance `k`: its clients are asked to reconnect and resume on the other. */
  async function restart(k: 0 | 1) {
    up[k] = false;
    await instances[k]?.stop();
    instances[k] = await startRealtime(env());
    up[k] = true;
  }

  it(
    "stores every acknowledged message once, and every client sees its room's messages once each, in order, across a rolling restart",
    async () => {
      const [a] = instances as [RunningServer];
      // The people and their rooms (in a database of this test's own), over HTTP, a few at a time.
      const owner = await httpClient(a.url).auth.register.mutate({
        username: "owner",
        password: "pw-pw-pw",
      });
      const ownerHttp = httpClient(a.url, owner.token);
      const roomIds: number[] = [];
      for (let r = 0; r < settings.SOAK_ROOMS; r++)
        roomIds.push((await ownerHttp.rooms.create.mutate({ name: `soak-${r}` })).id);
      const people: { token: string; roomId: number }[] = [];
      for (let i = 0; i < settings.SOAK_CLIENTS; i += 10) {
        people.push(
          ...(await Promise.all(
            range(i, Math.min(i + 9, settings.SOAK_CLIENTS - 1)).map(async (n) => {
              const roomId = roomIds[n % roomIds.length] as number;
              const session = await httpClient(a.url).auth.register.mutate({
                username: `s${n}`,
                password: "pw-pw-pw",
              });
              await httpClient(a.url, session.token).rooms.join.mutate({ roomId });
              return { token: session.token, roomId };
            }),
          )),
        );
      }

      // Every client on its own socket, half on each instance, following its room from now on.
      const lastSeqs = new Map<number, number>();
      for (const roomId of roomIds) lastSeqs.set(roomId, (await ownerHttp.rooms.get.query({ roomId })).lastSeq);
      const clients: SoakClient[] = people.map(({ token, roomId }, index) => {
        const home = index % 2;
        const live = wsClient(() => (instances[up[home] ? home : 1 - home] as RunningServer).url, token, {
          onClose: () => client.reconnects++,
        });
        const from = lastSeqs.get(roomId) as number;
        const { inbox, stop } = followRoom(live.client, roomId, String(from));
        const client: SoakClient = { index, roomId, live, inbox, stop, from, reconnects: 0, acknowledged: new Map() };
        return client;
      });

      // Each client sends now and then, retrying with the same clientId until it is acknowledged.
      const deadline = Date.now() + settings.SOAK_SECONDS * 1000;
      let refused = 0;
      const sending = clients.map(async (client) => {
        await pause(Math.random() * settings.SOAK_SEND_EVERY_MS);
        for (let n = 1; Date.now() < deadline; n++) {
          const clientId = `soak-${client.index}-${n}`;
          for (let attempt = 1; ; attempt++) {
            try {
              const message = await client.live.client.messages.send.mutate({
                roomId: client.roomId,
                text: `${client.index}:${n}`,
                clientId,
              });
              client.acknowledged.set(clientId, message.seq);
              break;
            } catch (error) {
              refused++;
              if (attempt === 100) throw error;
              await pause(100); // a client's back-off, then the same send again
            }
          }
          await pause(settings.SOAK_SEND_EVERY_MS * (0.5 + Math.random()));
        }
      });
      const third = (settings.SOAK_SECONDS * 1000) / 3;
      const deploy = (async () => {
        await pause(third);
        await restart(1);
        await pause(third);
        await restart(0);
      })();
      await Promise.all([...sending, deploy]);

      // The database is the judge.
      const stored = await database.handle.db
        .select({ roomId: messages.roomId, seq: messages.seq, clientId: messages.clientId, body: messages.body })
        .from(messages)
        .where(inArray(messages.roomId, roomIds))
        .orderBy(asc(messages.roomId), asc(messages.seq));
      const finalSeqs = await database.handle.db
        .select({ id: rooms.id, lastSeq: rooms.lastSeq })
        .from(rooms)
        .where(inArray(rooms.id, roomIds));
      const byRoom = new Map(roomIds.map((id) => [id, stored.filter((m) => m.roomId === id)]));
      for (const { id, lastSeq } of finalSeqs) {
        expect(
          byRoom.get(id)?.map((m) => m.seq),
          `room ${id}'s seqs`,
        ).toEqual(range(1, lastSeq));
        lastSeqs.set(id, lastSeq);
      }
      const storedSends = stored.filter((m) => m.clientId?.startsWith("soak-"));
      const acknowledged = clients.flatMap((c) =>
        [...c.acknowledged].map(([clientId, seq]) => ({ clientId, seq, roomId: c.roomId })),
      );
      expect(acknowledged.length).toBeGreaterThan(settings.SOAK_CLIENTS);
      expect(storedSends.length, "stored sends = acknowledged sends, none twice").toBe(acknowledged.length);
      const storedByClientId = new Map(storedSends.map((m) => [m.clientId, m]));
      for (const { clientId, seq, roomId } of acknowledged)
        expect(storedByClientId.get(clientId), clientId).toMatchObject({ seq, roomId });

      // Every client has every message of its room after `from`, once each and in order.
      for (const client of clients) {
        const last = lastSeqs.get(client.roomId) as number;
        await client.inbox.waitFor(
          (items) => (items.at(-1)?.seq ?? client.from) >= last,
          `client ${client.index} to reach seq ${last}`,
          60_000,
        );
        const expected = (byRoom.get(client.roomId) ?? []).filter((m) => m.seq > client.from);
        expect(
          client.inbox.items.map((m) => m.seq),
          `client ${client.index}'s seqs`,
        ).toEqual(expected.map((m) => m.seq));
        expect(client.inbox.items.map((m) => m.body)).toEqual(expected.map((m) => m.body));
      }

      // Every socket was moved at least once: the second restart finds every client on its instance.
      expect(
        clients.filter((c) => c.reconnects === 0).map((c) => c.index),
        "clients never moved",
      ).toEqual([]);

      // And nothing is left behind on either instance once they leave.
      for (const client of clients) {
        client.stop();
        client.live.ws.close();
      }
      for (const instance of instances)
        await eventually(
          async () => {
            const text = await (await fetch(`${instance.url}/metrics`)).text();
            expect(sample(text, "parley_connections")).toBe(0);
            expect(sample(text, "parley_subscriptions")).toBe(0);
          },
          20_000,
          100,
        );
      console.info(
        `soak: ${acknowledged.length} messages acknowledged and delivered to ${clients.length} clients ` +
          `(${clients.reduce((sum, c) => sum + c.inbox.items.length, 0)} deliveries), ${refused} sends retried`,
      );
    },
    settings.SOAK_SECONDS * 1000 + 240_000,
  );
});
