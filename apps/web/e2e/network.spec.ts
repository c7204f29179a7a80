import type { Page, WebSocket } from "@playwright/test";
import { expect, test } from "./fixtures";
import { restLogin, trpcOverHttp } from "./outside-client";
import {
  connectionBadge,
  createRoom,
  expectConnected,
  expectMessages,
  expectReconnecting,
  joinRoom,
  messageLog,
  PASSWORD,
  sendMessage,
  signUp,
  snapEveryWay,
  uniqueName,
} from "./parley-ui";

/**
 * A flaky network (issue 15): the browser reaches the realtime process through a real TCP proxy
 * (`linkProxy`) that a test makes refuse or black-hole the link, and the browser itself goes offline
 * (`setOffline`). Sends go over HTTP to the web process, which the proxy does not touch.
 */
test.use({ viaProxy: true });

test.afterEach(({ linkProxy }) => {
  if (linkProxy) linkProxy.mode = "pass";
});

/** The page's WebSockets to the realtime server, in the order it opened them (each a connection attempt). */
function socketsOf(page: Page): WebSocket[] {
  const sockets: WebSocket[] = [];
  page.on("websocket", (socket) => {
    if (new URL(socket.url()).pathname === "/trpc") sockets.push(socket);
  });
  return sockets;
}

/** Alice in a new room (and Bob, when given), connected; `alice` is the page whose link a test breaks. */
async function inARoom(alice: Page, bob?: Page) {
  const aliceName = uniqueName("alice");
  await signUp(alice, aliceName);
  const roomName = uniqueName("patchy");
  const roomId = await createRoom(alice, roomName);
  if (bob) {
    await signUp(bob, uniqueName("bob"));
    await joinRoom(bob, roomName);
    await expectConnected(bob);
  }
  await expectConnected(alice);
  return { aliceName, roomId };
}

test("a message sent offline waits in view, can be cancelled, and goes out by itself once, with its own client id", async ({
  page: alice,
  newPage,
  baseURL,
}) => {
  const bob = await newPage();
  const { aliceName, roomId } = await inARoom(alice, bob);
  const sentIds: string[] = [];
  alice.on("request", (request) => {
    if (!request.url().includes("messages.send")) return;
    for (const [, id] of (request.postData() ?? "").matchAll(/"clientId":"([^"]+)"/g)) sentIds.push(id as string);
  });

  await alice.context().setOffline(true);
  const said = ["written on the train", "and in the tunnel"];
  for (const text of [...said, "never mind this one"]) await sendMessage(alice, text);
  const queued = messageLog(alice).locator('li[data-status="queued"]');
  await expect(queued).toHaveText([/written on the train/, /and in the tunnel/, /never mind this one/]);
  await expect(queued.first()).toContainText("Waiting for connection…");
  await expect(messageLog(alice).getByRole("alert")).toHaveCount(0);
  await queued.filter({ hasText: "never mind" }).getByRole("button", { name: "Cancel" }).click();
  await expect(queued).toHaveText([/written on the train/, /and in the tunnel/]);
  expect(sentIds).toEqual([]);
  await snapEveryWay(alice, "network-queued");

  await alice.context().setOffline(false);
  await expectMessages(alice, said);
  await expectMessages(bob, said);
  // Stored once each, in order, under the client ids the page sent them with; the cancelled one never.
  const script = trpcOverHttp(baseURL as string, await restLogin(baseURL as string, aliceName, PASSWORD));
  const page = await script.history.list.query({ roomId, limit: 50 });
  const stored = page.items.filter((message) => message.kind === "text").sort((a, b) => a.seq - b.seq);
  expect(stored.map((message) => message.body)).toEqual(said);
  expect(new Set(sentIds)).toEqual(new Set(stored.map((message) => message.clientId)));
});

test("back online, the link reconnects at once rather than after a long backoff, and the stream resumes", async ({
  page: alice,
  linkProxy,
  baseURL,
}) => {
  const sockets = socketsOf(alice);
  const { aliceName, roomId } = await inARoom(alice);
  const script = trpcOverHttp(baseURL as string, await restLogin(baseURL as string, aliceName, PASSWORD));

  // The network goes: the browser says so, and the realtime server is out of reach.
  await alice.context().setOffline(true);
  if (linkProxy) linkProxy.mode = "refuse";
  await expect(connectionBadge(alice)).toHaveAttribute("data-state", "offline");
  await expect(connectionBadge(alice)).toHaveText("Offline");
  // Attempts keep failing meanwhile: after four, a backoff that doubles to 30 s would wait 16 s.
  const before = sockets.length;
  await expect.poll(() => sockets.length - before, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  // Said elsewhere meanwhile (by a script of Alice's, as from another device).
  await script.messages.send.mutate({ roomId, text: "said while alice was away" });

  if (linkProxy) linkProxy.mode = "pass";
  const back = Date.now();
  await alice.context().setOffline(false);
  await expectConnected(alice, 2000);
  expect(Date.now() - back).toBeLessThan(2500);
  // The room's stream resumed from its last event: what was said meanwhile arrives.
  await expectMessages(alice, ["said while alice was away"]);
});

test("a dead link (no close, no answer) is noticed within about 10 s and said; the link comes back by itself", async ({
  page: alice,
  linkProxy,
  baseURL,
}) => {
  const sockets = socketsOf(alice);
  const { aliceName, roomId } = await inARoom(alice);
  // The page pings the realtime process when it has heard nothing for a while, and it answers.
  const socket = sockets.at(-1) as WebSocket;
  await socket.waitForEvent("framereceived", { predicate: (frame) => frame.payload === "PONG", timeout: 15_000 });

  if (linkProxy) linkProxy.mode = "blackhole";
  const cut = Date.now();
  await expect(connectionBadge(alice)).toHaveAttribute("data-state", "reconnecting", { timeout: 12_000 });
  expect(Date.now() - cut).toBeLessThan(12_000);
  await expect(connectionBadge(alice)).toHaveText("Reconnecting…");
  await expect(alice.getByRole("button", { name: "Retry now" })).toBeVisible();
  await snapEveryWay(alice, "network-reconnecting");

  if (linkProxy) linkProxy.mode = "pass";
  await expectConnected(alice, 15_000);
  // Live again: a message sent from elsewhere (a script of Alice's) arrives on the page.
  const token = await restLogin(baseURL as string, aliceName, PASSWORD);
  await trpcOverHttp(baseURL as string, token).messages.send.mutate({ roomId, text: "heard live again" });
  await expectMessages(alice, ["heard live again"]);
});

test("Retry now reconnects at once, without waiting out the backoff", async ({ page: alice, linkProxy }) => {
  const sockets = socketsOf(alice);
  await inARoom(alice);

  if (linkProxy) linkProxy.mode = "refuse";
  await expectReconnecting(alice);
  const retry = alice.getByRole("button", { name: "Retry now" });
  await expect(retry).toBeVisible();
  // Five failed attempts: the wait before the next one is at its cap (RECONNECT_MAX_DELAY_MS, 3 s ± 20 %).
  const before = sockets.length;
  await expect.poll(() => sockets.length - before, { timeout: 30_000, intervals: [50] }).toBeGreaterThanOrEqual(5);
  const last = sockets.at(-1) as WebSocket;
  if (!last.isClosed()) await last.waitForEvent("close");

  // The link is back a moment after an attempt failed: the next one is seconds away, unless asked.
  if (linkProxy) linkProxy.mode = "pass";
  const asked = Date.now();
  await retry.click();
  await expectConnected(alice, 1500);
  expect(Date.now() - asked).toBeLessThan(2000);
  await expect(retry).toBeHidden();
});
