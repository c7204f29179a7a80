import { test } from "./fixtures";
import { restJoin, restLogin, restRegister, trpcOverHttp } from "./outside-client";
import { createRoom, expectConnected, expectMessages, PASSWORD, sendMessage, signUp, uniqueName } from "./parley-ui";

test("messages sent from outside the browser, over the REST compat layer's token and tRPC over HTTP, appear live", async ({
  page,
  baseURL,
}) => {
  const base = baseURL as string;
  const ownerName = uniqueName("owner");
  await signUp(page, ownerName);
  await expectConnected(page);
  const roomId = await createRoom(page, uniqueName("open"));
  const fromBrowser = "anyone out there?";
  await sendMessage(page, fromBrowser);

  // Someone else, from a script: registers and joins with the seed REST API, logs in again, sends over tRPC.
  const scriptName = uniqueName("script");
  const firstToken = await restRegister(base, scriptName, "script-password");
  await restJoin(base, firstToken, roomId);
  const script = trpcOverHttp(base, await restLogin(base, scriptName, "script-password"));
  const fromScript = `hello from ${scriptName}, outside the browser`;
  await script.messages.send.mutate({ roomId, text: fromScript });
  await expectMessages(page, [fromBrowser, fromScript]);

  // The same person, signed in in the browser, also sends from a script: one more message, live.
  const own = trpcOverHttp(base, await restLogin(base, ownerName, PASSWORD));
  const ownFromScript = "and one from my own script";
  await own.messages.send.mutate({ roomId, text: ownFromScript });
  await expectMessages(page, [fromBrowser, fromScript, ownFromScript]);
});
