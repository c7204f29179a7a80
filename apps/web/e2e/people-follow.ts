import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  accountMenu,
  conversationLink,
  createRoom,
  expectConnected,
  joinRoom,
  leaveRoom,
  openMyProfile,
  roomIdOf,
  sendMessage,
  sidebarList,
  signUp,
  signUpAliceAndBob,
  snapEveryWay,
  textMessages,
  uniqueName,
} from "./parley-ui";
import type { Stack } from "./stacks";

/**
 * Issue 13, item 4: renames, display names, joins and leaves reach every open page and every list
 * on it within a second, without a reload: messages, member lists, the direct-conversation list,
 * the header. Nothing on screen keeps a copy of who someone is, or who is in a room, that does not
 * follow its changes.
 */

/** Within a second of the change being saved. */
const LIVE = { timeout: 1_000 };

const membersOf = (page: Page) => page.getByRole("complementary", { name: "Members" });
const memberCount = (page: Page) => membersOf(page).getByText(/^\d+ members?, \d+ online$/);
const memberNames = (page: Page) => membersOf(page).getByRole("listitem");

async function openRoom(page: Page, name: string): Promise<void> {
  await conversationLink(sidebarList(page, "Rooms"), name).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
}

/** The tests, for a spec file that runs them on a stack of this mode (set with `test.use` at its top). */
export function followTests(mode: Stack["mode"]) {
  // Three people, and a second tab, each signing up and moving between pages: longer than most.
  test.describe.configure({ timeout: 180_000 });

  test("a new display name and username reach the others' messages, member list and direct messages, and my other tab", async ({
    page: alice,
    newPage,
  }) => {
    const bob = await newPage();
    const { bobName } = await signUpAliceAndBob(alice, bob);

    // Alice has a direct conversation with Bob, and both are in a room where Bob has spoken.
    await alice.getByRole("link", { name: "People" }).click();
    await alice.getByLabel("Search people").fill(bobName);
    await alice.getByRole("button", { name: `Message ${bobName}`, exact: true }).click();
    await roomIdOf(alice);
    const roomName = uniqueName("names");
    await createRoom(alice, roomName);
    await joinRoom(bob, roomName);
    const said = `hello there, ${uniqueName("")}`;
    await sendMessage(bob, said);
    await expect(textMessages(alice).filter({ hasText: said })).toContainText(bobName);
    await expect(memberNames(alice).filter({ hasText: bobName })).toHaveCount(1);
    await expectConnected(alice);

    // Bob's second tab, on the room too: its header shows his username.
    const bobElsewhere = await bob.context().newPage();
    await bobElsewhere.goto(bob.url());
    await expectConnected(bobElsewhere);
    await expect(accountMenu(bobElsewhere)).toContainText(`@${bobName}`);

    await openMyProfile(bob);
    const displayName = `Bobby ${uniqueName("")}`;
    await bob.getByLabel("Display name", { exact: true }).fill(displayName);
    await bob.getByLabel("Display name", { exact: true }).press("Enter");
    await expect(bob.getByRole("status").filter({ hasText: "Display name saved." })).toBeVisible();

    const message = textMessages(alice).filter({ hasText: said });
    await expect(message).toContainText(displayName, LIVE);
    await expect(memberNames(alice).filter({ hasText: displayName })).toHaveCount(1, LIVE);
    await expect(conversationLink(sidebarList(alice, "Direct messages"), displayName)).toBeVisible(LIVE);
    await expect(bobElsewhere.getByRole("log", { name: "Chat history" })).toContainText(displayName, LIVE);

    const newName = uniqueName("robert");
    await bob.getByLabel("Username", { exact: true }).fill(newName);
    await bob.getByLabel("Username", { exact: true }).press("Enter");
    await expect(bob.getByRole("status").filter({ hasText: "Username changed." })).toBeVisible();

    await expect(message).toContainText(`@${newName}`, LIVE);
    await expect(memberNames(alice).filter({ hasText: `@${newName}` })).toHaveCount(1, LIVE);
    await expect(accountMenu(bobElsewhere)).toContainText(`@${newName}`, LIVE);
    await expect(accountMenu(bob)).toContainText(`@${newName}`, LIVE);
    await expect(memberNames(alice).filter({ hasText: bobName })).toHaveCount(0);
    await expect(message).not.toContainText(bobName);

    // Bob's own name in his other tab's room: the member list, and his message.
    await expect(memberNames(bobElsewhere).filter({ hasText: `@${newName}` })).toHaveCount(1, LIVE);
    await expect(textMessages(bobElsewhere).filter({ hasText: said })).toContainText(`@${newName}`, LIVE);
    if (mode === "scaled") await snapEveryWay(alice, "room-after-rename");

    // A reload agrees with what the live page shows.
    await alice.reload();
    await expect(textMessages(alice).filter({ hasText: said })).toContainText(displayName);
    await expect(memberNames(alice).filter({ hasText: `@${newName}` })).toHaveCount(1);
  });

  test("a member list follows leaves and joins, whether its room is on screen or not", async ({
    page: alice,
    newPage,
  }) => {
    const bob = await newPage();
    const cat = await newPage();
    const [aliceName, bobName, catName] = [uniqueName("alice"), uniqueName("bob"), uniqueName("cat")];
    await signUp(alice, aliceName);
    await signUp(bob, bobName);
    await signUp(cat, catName);

    const here = uniqueName("here");
    const elsewhere = uniqueName("elsewhere");
    await createRoom(alice, elsewhere);
    await createRoom(alice, here);
    await joinRoom(bob, here);
    await expect(memberCount(alice)).toHaveText("2 members, 2 online");
    await expectConnected(alice);

    // Alice looks at another room while Bob leaves and Cat joins.
    await openRoom(alice, elsewhere);
    await leaveRoom(bob);
    await expect(bob).toHaveURL(/\/chat$/);
    await joinRoom(cat, here);
    await expect(conversationLink(sidebarList(cat, "Rooms"), here)).toBeVisible();

    await openRoom(alice, here);
    await expect(memberNames(alice).filter({ hasText: catName })).toHaveCount(1, LIVE);
    await expect(memberNames(alice).filter({ hasText: bobName })).toHaveCount(0, LIVE);
    await expect(memberCount(alice)).toHaveText(/^2 members, /, LIVE);

    // And while she looks at it: Bob comes back, then Cat leaves.
    await joinRoom(bob, here);
    await expect(memberNames(alice).filter({ hasText: bobName })).toHaveCount(1, LIVE);
    await expect(memberCount(alice)).toHaveText(/^3 members, /, LIVE);
    await openRoom(cat, here);
    await leaveRoom(cat);
    await expect(cat).toHaveURL(/\/chat$/);
    await expect(memberNames(alice).filter({ hasText: catName })).toHaveCount(0, LIVE);
    await expect(memberCount(alice)).toHaveText(/^2 members, /, LIVE);

    // Alice, the owner, leaves: Bob's open page makes him the owner, with the invite form.
    await openRoom(bob, here);
    await expect(memberCount(bob)).toHaveText(/^2 members, /);
    await leaveRoom(alice);
    await expect(memberCount(bob)).toHaveText(/^1 member, /, LIVE);
    await expect(memberNames(bob).filter({ hasText: bobName })).toContainText("owner", LIVE);
    await expect(bob.getByRole("heading", { name: "Invite someone" })).toBeVisible(LIVE);
    if (mode === "scaled") await snapEveryWay(bob, "room-new-owner");

    // An invitation shows on every open page of the room.
    const bobOtherTab = await bob.context().newPage();
    await bobOtherTab.goto(bob.url());
    await expect(memberCount(bobOtherTab)).toHaveText(/^1 member, /);
    await expectConnected(bobOtherTab);
    await bob.getByLabel("Username", { exact: true }).fill(catName);
    await bob.getByRole("button", { name: "Invite" }).click();
    await expect(memberNames(bobOtherTab).filter({ hasText: catName })).toHaveCount(1, LIVE);
    await expect(memberCount(bobOtherTab)).toHaveText(/^2 members, /, LIVE);
  });
}
