import { PRESENCE_OFFLINE_GRACE_MS } from "@parley/api";
import { expect } from "vitest";
import { Inbox, wsClient } from "./clients";
import { type RunningServer, signUpOn } from "./processes";

/**
 * Presence across two instances: a new user watched from `a` connects on `b` (heard as online),
 * goes idle (away), and disconnects (offline, but only after the grace). Resolves when all of it was
 * heard, in that order and once each; throws otherwise.
 */
export async function presenceAcrossInstances(a: RunningServer, b: RunningServer): Promise<void> {
  const ann = await signUpOn(a);
  const ben = await signUpOn(b);
  const seen = new Inbox<string>();
  const onA = wsClient(a.url, ann.token);
  const annSub = onA.client.events.presence.subscribe(
    { userIds: [ben.user.id], away: false },
    {
      onData: (event) => {
        if (event.type === "snapshot") seen.push(`snapshot ${event.statuses.map((s) => s.status).join()}`);
        else if (event.userId === ben.user.id) seen.push(event.status);
      },
      onError: seen.fail,
    },
  );
  await seen.waitFor((items) => items.includes("snapshot offline"), "the snapshot");
  const onB = wsClient(b.url, ben.token);
  const active = onB.client.events.presence.subscribe({ userIds: [], away: false }, {});
  await seen.waitFor((items) => items.at(-1) === "online", "ben online");
  const idle = onB.client.events.presence.subscribe({ userIds: [], away: true }, {});
  active.unsubscribe();
  await seen.waitFor((items) => items.at(-1) === "away", "ben away");
  const closedAt = Date.now();
  idle.unsubscribe();
  onB.ws.close();
  await seen.waitFor((items) => items.at(-1) === "offline", "ben offline");
  expect(Date.now() - closedAt).toBeGreaterThanOrEqual(PRESENCE_OFFLINE_GRACE_MS - 100);
  expect(seen.items).toEqual(["snapshot offline", "online", "away", "offline"]);
  annSub.unsubscribe();
  onA.ws.close();
}
