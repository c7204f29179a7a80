import { drivers } from "@parley/db/testing";
import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessCache } from "../src/access-cache";
import { createMemoryBus } from "../src/bus";
import { createContext } from "../src/context";
import type { Deps } from "../src/deps";
import { appRouter } from "../src/root";
import { authenticate } from "../src/services/auth";
import { startTyping } from "../src/services/live";
import { sendMessage } from "../src/services/messages";
import { joinRoom, leaveRoom } from "../src/services/rooms";
import { createCallerFactory } from "../src/trpc";
import { type Caller, createHarness, expectTrpcError, type Harness } from "./harness";

const createCaller = createCallerFactory(appRouter);

/** How many times each race is run: enough to catch it on today's code most runs, several times over. */
const TRIALS = 30;

/**
 * Issue 13, item 2: every write that depends on membership or role checks it inside its own
 * transaction, against current rows; a cache never authorizes a write. Item 4: what a write
 * stores and announces names the user as they are called now, not as an `Actor` captured when a
 * connection opened. Each write of the kind: send, leave, invite, mark read, typing, join.
 */
describe.each(drivers)("writes checked inside their transaction on %s", { timeout: 120_000 }, (driver) => {
  let h: Harness;
  /** A second instance on the same database whose access cache never hears of the first's changes. */
  let other: Deps;
  const onOther = (token: string): Caller => createCaller(createContext(other, token));
  beforeAll(async () => {
    h = await createHarness(driver);
    const bus = createMemoryBus();
    other = { ...h.deps, bus, access: createAccessCache(bus, { ttlMs: 60_000 }) };
  });
  afterAll(async () => {
    other?.access.close();
    await other?.bus.close();
    await h?.dispose();
  });

  type User = Awaited<ReturnType<Harness["signUp"]>>;
  /** A new room of `owner`'s (new users by default) that `member` has joined. */
  async function roomWithMember(people?: { owner: User; member: User }) {
    const owner = people?.owner ?? (await h.signUp());
    const member = people?.member ?? (await h.signUp());
    const room = await owner.caller.rooms.create({ name: `w-${Math.random().toString(36).slice(2)}` });
    await member.caller.rooms.join({ roomId: room.id });
    return { owner, member, room };
  }
  /** Users for the races, signed up once (password hashing is slow): each trial has a room of its own. */
  const people = async () => ({ owner: await h.signUp(), member: await h.signUp() });

  const historyOf = async (caller: Caller, roomId: number) =>
    (await caller.history.list({ roomId, limit: 100 })).items.reverse();

  it("refuses a send, a typing indicator and a mark read from a member who left, whatever another instance's cache says", async () => {
    const { owner, member, room } = await roomWithMember();
    const elsewhere = onOther(member.token);
    await elsewhere.messages.send({ roomId: room.id, text: "while a member" }); // its cache now says: a member
    await member.caller.rooms.leave({ roomId: room.id });
    const before = await h.counts();
    await expectTrpcError(elsewhere.messages.send({ roomId: room.id, text: "after leaving" }), "FORBIDDEN", /member/);
    await expectTrpcError(elsewhere.events.typing({ roomId: room.id }), "FORBIDDEN", /member/);
    await expectTrpcError(elsewhere.rooms.markRead({ roomId: room.id, seq: 99 }), "FORBIDDEN", /member/);
    await expectTrpcError(member.caller.rooms.leave({ roomId: room.id }), "FORBIDDEN", /member/);
    expect(await h.counts()).toEqual(before);
    expect((await historyOf(owner.caller, room.id)).map((m) => m.body)).toEqual([
      `${member.username} joined the room`,
      "while a member",
      `${member.username} left the room`,
    ]);
  });

  it("stores no message from a member after their leave, when the leave and the sends race", async () => {
    const both = await people();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { owner, member, room } = await roomWithMember(both);
      const elsewhere = onOther(member.token);
      await elsewhere.messages.send({ roomId: room.id, text: "warm" }); // the other instance believes B a member
      const leaving = member.caller.rooms.leave({ roomId: room.id }); // and, in the same tick, three sends
      const sending = [
        elsewhere.messages.send({ roomId: room.id, text: "1" }),
        member.caller.messages.send({ roomId: room.id, text: "2" }),
        elsewhere.messages.send({ roomId: room.id, text: "3" }),
      ];
      const [[leave], results] = await Promise.all([Promise.allSettled([leaving]), Promise.allSettled(sending)]);
      expect(leave?.status).toBe("fulfilled");
      for (const r of results) if (r.status === "rejected") expect((r.reason as TRPCError).code).toBe("FORBIDDEN");
      const history = await historyOf(owner.caller, room.id);
      const left = history.findIndex((m) => m.notice?.event === "left");
      expect(left).toBeGreaterThan(0);
      expect(history.slice(left + 1)).toEqual([]); // nothing from B after B left
      // Every send that answered is in the history, before the leave; every other was refused.
      const stored = history.filter((m) => m.kind === "text").map((m) => m.body);
      const answered = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.body] : []));
      expect([...stored].sort()).toEqual(["warm", ...answered].sort());
    }
  });

  it("marks nothing read for a member after their leave, when the leave and the mark race", async () => {
    const both = await people();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { owner, member, room } = await roomWithMember(both);
      await owner.caller.messages.send({ roomId: room.id, text: "unread" });
      const reads = await h.listen(`user:${member.id}`);
      const [leave, mark] = await Promise.allSettled([
        member.caller.rooms.leave({ roomId: room.id }),
        member.caller.rooms.markRead({ roomId: room.id, seq: 99 }),
      ]);
      reads.stop();
      expect(leave.status).toBe("fulfilled");
      if (mark.status === "rejected") expect((mark.reason as TRPCError).code).toBe("FORBIDDEN");
      else expect(reads.events.filter((e) => e.type === "user.read")).toHaveLength(1); // it moved: before the leave
    }
  });

  it("lets no owner who has left invite anybody, when the leave and the invitation race", async () => {
    const both = await people();
    const invitee = await h.signUp();
    for (let trial = 0; trial < TRIALS; trial++) {
      const { owner, member, room } = await roomWithMember(both);
      const [leave, invited] = await Promise.allSettled([
        owner.caller.rooms.leave({ roomId: room.id }),
        owner.caller.invites.create({ roomId: room.id, user: { userId: invitee.id } }),
      ]);
      expect(leave.status).toBe("fulfilled");
      const history = await historyOf(member.caller, room.id);
      const events = history.map((m) => m.notice?.event);
      if (invited.status === "rejected") {
        expect((invited.reason as TRPCError).code).toBe("FORBIDDEN");
        expect(events).toEqual(["joined", "left"]);
      } else {
        expect(events).toEqual(["joined", "invited", "left"]); // invited while still the owner
      }
    }
  });

  it("gives an ownerless room to exactly one of the people who join it at once", async () => {
    const first = await h.signUp();
    const joiners = await Promise.all([h.signUp(), h.signUp(), h.signUp()]);
    for (let trial = 0; trial < TRIALS; trial++) {
      const room = await first.caller.rooms.create({ name: `o-${Math.random().toString(36).slice(2)}` });
      await first.caller.rooms.leave({ roomId: room.id }); // no members, no owner
      const joined = await Promise.all(joiners.map((j) => j.caller.rooms.join({ roomId: room.id })));
      const members = await joiners[0]?.caller.rooms.members({ roomId: room.id });
      const owners = (members ?? []).filter((m) => m.role === "owner").map((m) => m.user.id);
      expect(owners).toHaveLength(1);
      expect((await joiners[0]?.caller.rooms.get({ roomId: room.id }))?.ownerId).toBe(owners[0]);
      expect(joined.map((r) => r.id)).toEqual([room.id, room.id, room.id]);
    }
  });

  it("names the author as they are called now, whatever name the caller's connection opened with", async () => {
    const { owner, member, room } = await roomWithMember();
    const before = await authenticate(h.deps, member.token); // what a socket opened now keeps
    const renamed = `${member.username}x`;
    await member.caller.profile.rename({ username: renamed });
    const heard = await h.listen(`room:${room.id}`);
    const sent = await sendMessage(h.deps, before, { roomId: room.id, text: "after the rename" });
    expect(sent.author?.username).toBe(renamed);
    await startTyping(h.deps, before, room.id);
    await leaveRoom(h.deps, before, room.id);
    await joinRoom(h.deps, before, room.id);
    heard.stop();
    const history = await historyOf(owner.caller, room.id);
    expect(history.slice(-4).map((m) => [m.author?.username ?? null, m.body])).toEqual([
      [null, `${member.username} is now known as ${renamed}`],
      [renamed, "after the rename"],
      [null, `${renamed} left the room`],
      [null, `${renamed} joined the room`],
    ]);
    const typing = heard.events.find((e) => e.type === "room.typing");
    expect(typing && "username" in typing && typing.username).toBe(renamed);
    const live = heard.events.flatMap((e) => (e.type === "room.message" ? [e.message.author?.username ?? null] : []));
    expect(live).toEqual([renamed, null, null]);
  });
});
