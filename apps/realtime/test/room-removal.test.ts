import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Inbox, untilStreamFollows, wsClient } from "./clients";
import { type RunningServer, signUpOn, startTwoInstances, type TwoInstances } from "./processes";

const SECRET = "a room-removal test secret, 32 bytes or more";

/**
 * Issue 15: when a room's owner removes a member, the removed person's open streams stop receiving
 * at once on every instance: each room stream ends with an error in words, and their own stream
 * stops following the room. The owner is served by instance A; the removed person has streams on
 * A and on B.
 */
describe("removing a member, with realtime instances A and B on PostgreSQL and Redis", () => {
  let instances: TwoInstances;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    instances = await startTwoInstances(SECRET);
    ({ a, b } = instances);
  });
  afterAll(() => instances?.stop());

  it("ends the removed member's room streams on A and B with words, and their own stream hears no more of the room", async () => {
    const owner = await signUpOn(a);
    const bob = await signUpOn(b);
    const room = await owner.http.rooms.create.mutate({ name: `r-${randomBytes(4).toString("hex")}`, isPrivate: true });
    await owner.http.invites.create.mutate({ roomId: room.id, user: { userId: bob.user.id } });

    type Heard = { type: string; body?: string };
    const sockets = [wsClient(a.url, bob.token), wsClient(b.url, bob.token)];
    const roomInboxes = sockets.map(({ client }) => {
      const inbox = new Inbox<Heard>();
      client.events.room.subscribe(
        { roomId: room.id },
        {
          onData: ({ data }) =>
            inbox.push(data.type === "message" ? { type: "message", body: data.message.body } : data),
          onError: inbox.fail,
        },
      );
      return inbox;
    });
    // A room stream says "live" once it has caught up: it is subscribed by then.
    for (const inbox of roomInboxes) await inbox.waitFor((items) => items.some((e) => e.type === "live"), "live");
    await owner.http.messages.send.mutate({ roomId: room.id, text: "before" });
    for (const inbox of roomInboxes) {
      await inbox.waitFor((items) => items.some((e) => e.body === "before"), "the message before the removal");
    }

    const mine = new Inbox<{ type: string; roomId?: number; change?: string }>();
    const onB = sockets[1];
    if (!onB) throw new Error("no socket on B");
    onB.client.events.mine.subscribe(undefined, {
      onData: (event) => mine.push({ ...event, roomId: "roomId" in event ? event.roomId : undefined }),
      onError: mine.fail,
    });
    await untilStreamFollows(bob.http, mine, (e) => e.type === "user.profile");

    expect(await owner.http.rooms.removeMember.mutate({ roomId: room.id, userId: bob.user.id })).toEqual({
      removed: true,
    });

    for (const inbox of roomInboxes) {
      await inbox.waitFor(() => inbox.error !== null, "the room stream to end");
      expect(String(inbox.error)).toMatch(/you were removed from this room by its owner: you are no longer a member/);
    }
    await mine.waitFor((items) => items.some((e) => e.type === "user.room" && e.change === "removed"), "user.room");

    await owner.http.messages.send.mutate({ roomId: room.id, text: "after" });
    const marker = `m${randomBytes(3).toString("hex")}`;
    await bob.http.profile.update.mutate({ displayName: marker });
    await mine.waitFor(
      (items) => items.some((e) => e.type === "user.profile" && JSON.stringify(e).includes(marker)),
      "bob's own marker after the message",
    );
    const sinceRemoval = mine.items.slice(mine.items.findIndex((e) => e.type === "user.room"));
    expect(sinceRemoval.filter((e) => e.type === "room.activity" && e.roomId === room.id)).toEqual([]);
    for (const inbox of roomInboxes) expect(inbox.items.map((e) => e.body)).not.toContain("after");

    // A new stream is refused: bob is no member any more (and the private room is not his to see).
    const again = new Inbox<unknown>();
    onB.client.events.room.subscribe({ roomId: room.id }, { onData: again.push, onError: again.fail });
    await again.waitFor(() => again.error !== null, "a new subscription to be refused");
    expect(String(again.error)).toMatch(/room was not found/);
    for (const { ws } of sockets) ws.close();
  });
});
