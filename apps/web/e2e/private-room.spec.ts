import { expect, test } from "./fixtures";
import {
  conversationLink,
  createRoom,
  expectConnected,
  expectMessages,
  messageLog,
  roomIdOf,
  sendMessage,
  sidebarList,
  signUpAliceAndBob,
  snap,
  uniqueName,
} from "./parley-ui";

test("two people in a private room: invited, live both ways, and the history intact after a reload", async ({
  page: alice,
  newPage,
}) => {
  const bob = await newPage();
  const { aliceName, bobName } = await signUpAliceAndBob(alice, bob);
  await expectConnected(bob);

  await alice.getByRole("link", { name: "Browse rooms" }).click();
  await expect(alice.getByLabel("Search rooms")).toBeVisible();
  await snap(alice, "browse");
  const roomName = uniqueName("secret");
  const roomId = await createRoom(alice, roomName, { private: true });

  await alice.getByLabel("Username", { exact: true }).fill(bobName);
  await alice.getByRole("button", { name: "Invite" }).click();
  await expect(messageLog(alice).locator('li[data-kind="system"]').filter({ hasText: bobName })).not.toHaveCount(0);

  // Bob's sidebar learns of the room live, without a reload.
  const entry = conversationLink(sidebarList(bob, "Rooms"), roomName);
  await expect(entry).toBeVisible();
  await entry.click();
  expect(await roomIdOf(bob)).toBe(roomId);
  await expect(bob.getByRole("heading", { level: 1 })).toHaveText(roomName);
  await expectConnected(alice);
  await expectConnected(bob);

  const said = [`hi bob, it is ${aliceName}`, `hello ${aliceName}!`, "shall we keep this between us?"];
  await sendMessage(alice, said[0] as string, "button");
  await expectMessages(bob, said.slice(0, 1));
  await sendMessage(bob, said[1] as string, "enter");
  await expectMessages(alice, said.slice(0, 2));
  await sendMessage(alice, said[2] as string, "enter");
  await expectMessages(bob, said);
  await expectMessages(alice, said);
  await snap(alice, "room");

  await Promise.all([alice.reload(), bob.reload()]);
  await expectMessages(alice, said);
  await expectMessages(bob, said);
});
