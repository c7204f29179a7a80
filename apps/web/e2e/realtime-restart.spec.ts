import { expect, test } from "./fixtures";
import { restLogin, trpcOverHttp } from "./outside-client";
import {
  createRoom,
  expectConnected,
  expectMessages,
  expectReconnecting,
  joinRoom,
  PASSWORD,
  sendMessage,
  signUp,
  textMessages,
  uniqueName,
} from "./parley-ui";
import { RESUME_MAX_EVENTS } from "./stacks";

/** tRPC's WebSocket client backs off between attempts: give the badge time to come back. */
const RECONNECT_TIMEOUT_MS = 45_000;

test("the realtime process restarts mid-conversation: the badge says so, and every message arrives once, in order", async ({
  page: alice,
  newPage,
  realtime,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const bob = await newPage();
  const bobName = uniqueName("bob");
  await signUp(alice, uniqueName("alice"));
  await signUp(bob, bobName);
  const roomName = uniqueName("sturdy");
  const roomId = await createRoom(alice, roomName);
  await joinRoom(bob, roomName);
  await expectConnected(alice);
  await expectConnected(bob);

  const said = ["before the restart"];
  await sendMessage(alice, said[0] as string);
  await expectMessages(bob, said);

  await realtime.stop();
  await expectReconnecting(alice);
  await expectReconnecting(bob);

  // The web process is still up: sending goes over HTTP, from the page and from a script.
  said.push("while the realtime process is down");
  await sendMessage(alice, said[1] as string);
  const bobsScript = trpcOverHttp(baseURL as string, await restLogin(baseURL as string, bobName, PASSWORD));
  said.push("and one more from a script");
  await bobsScript.messages.send.mutate({ roomId, text: said[2] as string });

  await realtime.start();
  await expectConnected(alice, RECONNECT_TIMEOUT_MS);
  await expectConnected(bob, RECONNECT_TIMEOUT_MS);
  await expectMessages(bob, said);
  await expectMessages(alice, said);

  said.push("after the restart");
  await sendMessage(bob, said[3] as string);
  await expectMessages(alice, said);
  await expectMessages(bob, said);
});

test("more was missed than a stream replays: the page reloads the newest messages, and scroll-back has the rest", async ({
  page,
  realtime,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const name = uniqueName("away");
  await signUp(page, name);
  const roomId = await createRoom(page, uniqueName("busy"));
  await expectConnected(page);
  await sendMessage(page, "before the outage");

  await realtime.stop("SIGKILL");
  await expectReconnecting(page);
  const script = trpcOverHttp(baseURL as string, await restLogin(baseURL as string, name, PASSWORD));
  const missed = Array.from({ length: RESUME_MAX_EVENTS + 20 }, (_, i) => `missed ${String(i + 1).padStart(3, "0")}`);
  for (const text of missed) await script.messages.send.mutate({ roomId, text });

  await realtime.start();
  await expectConnected(page, RECONNECT_TIMEOUT_MS);
  // The stream says reset; the page reloads the newest page rather than show a partial history.
  await expect(textMessages(page).last()).toContainText(missed.at(-1) as string);
  await expect(async () => {
    await textMessages(page).first().scrollIntoViewIfNeeded();
    await expect(textMessages(page)).toHaveCount(missed.length + 1, { timeout: 1000 });
  }).toPass();
  await expectMessages(page, ["before the outage", ...missed]);
});
