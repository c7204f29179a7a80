import { schema } from "@parley/db";
import { testRedisUrl } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessCache } from "../src/access-cache";
import { type Bus, createRedisBus } from "../src/bus";
import type { Deps } from "../src/deps";
import { createMemoryPresence } from "../src/presence";
import { messages, profile } from "../src/services";
import { authenticate } from "../src/services/auth";
import { leaveRoom } from "../src/services/rooms";
import { createHarness, eventually, type Harness } from "./harness";

/**
 * Two processes (each its own bus connection and access cache) on one database and one Redis: what
 * one of them remembers must stop counting as soon as the other announces a change.
 */
describe("the access cache, across processes", () => {
  const prefix = `parley-test-access-${process.pid}-${Date.now()}:`;
  let a: Harness;
  let busB: Bus;
  let b: Deps;

  beforeAll(async () => {
    a = await createHarness("postgres", createRedisBus(testRedisUrl, { prefix }));
    busB = createRedisBus(testRedisUrl, { prefix });
    b = {
      ...a.deps,
      bus: busB,
      presence: createMemoryPresence(busB),
      access: createAccessCache(busB, { ttlMs: 60_000 }),
    };
    // Process B hears the access channel before anything happens.
    await busB.subscribe("access", new AbortController().signal);
  });
  afterAll(async () => {
    b.access.close();
    await busB.close();
    await a.dispose();
  });

  it("remembers a session: the database is not asked again (a revocation nobody announces goes unseen)", async () => {
    const { token } = await a.signUp();
    const actor = await authenticate(b, token);
    // Revoked behind every process's back: no announcement.
    await b.db.insert(schema.revokedTokens).values({ jti: actor.jti, expiresAt: actor.tokenExpiresAt });
    await expect(authenticate(b, token)).resolves.toMatchObject({ jti: actor.jti });
    b.access.forgetSession(actor.jti);
    await expect(authenticate(b, token)).rejects.toThrow(/session has ended/);
  });

  it("forgets a session on every process when it is logged out on one", async () => {
    const { token } = await a.signUp();
    await authenticate(b, token); // remembered by B
    const actor = await authenticate(a.deps, token);
    await a.callerFor(token).auth.logout();
    expect(actor.jti).toBeTruthy();
    await eventually(() => expect(authenticate(b, token)).rejects.toThrow(/session has ended/));
  });

  it("forgets a user's name on every process when they rename", async () => {
    const { token, caller } = await a.signUp();
    expect((await authenticate(b, token)).displayName).toBeNull();
    await caller.profile.update({ displayName: "Ada Lovelace" });
    await eventually(async () => expect((await authenticate(b, token)).displayName).toBe("Ada Lovelace"));
    const renamed = `ada${Date.now() % 100000}`;
    await profile.rename(a.deps, await authenticate(a.deps, token), renamed);
    await eventually(async () => expect((await authenticate(b, token)).username).toBe(renamed));
  });

  it("forgets a membership on every process when the member leaves on one", async () => {
    const owner = await a.signUp();
    const member = await a.signUp();
    const room = await owner.caller.rooms.create({ name: `cache${Date.now()}` });
    await member.caller.rooms.join({ roomId: room.id });
    const actorB = await authenticate(b, member.token);
    await messages.sendMessage(b, actorB, { roomId: room.id, text: "hello from B" }); // B remembers the membership
    await leaveRoom(a.deps, await authenticate(a.deps, member.token), room.id);
    await eventually(() =>
      expect(messages.sendMessage(b, actorB, { roomId: room.id, text: "still here?" })).rejects.toThrow(/not a member/),
    );
  });
});
