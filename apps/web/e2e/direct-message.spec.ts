import { expect, test } from "./fixtures";
import {
  conversationLink,
  expectConnected,
  expectMessages,
  openMyProfile,
  roomIdOf,
  sendMessage,
  sidebarList,
  signUpAliceAndBob,
  snap,
} from "./parley-ui";

test("a direct conversation started from People reaches the peer with an unread badge", async ({
  page: alice,
  newPage,
}) => {
  const bob = await newPage();
  const { aliceName, bobName } = await signUpAliceAndBob(alice, bob);
  await expectConnected(bob);

  await alice.getByRole("link", { name: "People" }).click();
  await expect(alice).toHaveURL(/\/chat\/people$/);
  await alice.getByLabel("Search people").fill(bobName);
  await snap(alice, "people");
  await alice.getByRole("button", { name: `Message ${bobName}`, exact: true }).click();
  const roomId = await roomIdOf(alice);
  await expect(alice.getByRole("heading", { level: 1 })).toHaveText(bobName);
  const text = `psst ${bobName}, a word in private`;
  await sendMessage(alice, text);

  const entry = conversationLink(sidebarList(bob, "Direct messages"), aliceName);
  await expect(entry.getByLabel("1 unread", { exact: true })).toBeVisible();
  await entry.click();
  expect(await roomIdOf(bob)).toBe(roomId);
  await expect(bob.getByRole("heading", { level: 1 })).toHaveText(aliceName);
  await expectMessages(bob, [text]);

  await openMyProfile(alice);
  await expect(alice.getByLabel("Display name", { exact: true })).toBeVisible();
  await snap(alice, "profile");
});
