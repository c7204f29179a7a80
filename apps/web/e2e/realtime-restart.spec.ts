import { test } from "./fixtures";
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
  uniqueName,
} from "./parley-ui";

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
