import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  alerts,
  conversationLink,
  createRoom,
  expectConnected,
  joinRoom,
  leaveRoom,
  messageLog,
  roomIdOf,
  sendMessage,
  sidebarList,
  signUpAliceAndBob,
  snap,
  snapEveryWay,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * Issue 15: rooms people can run. The owner renames a room and sets its topic (every member's open
 * page follows), removes a member (whose open room stops at once), every member mutes a room for
 * themselves, leaving asks first, and on a phone the member panel and the invite form are reachable.
 */

const notices = (page: Page) => messageLog(page).locator('li[data-kind="system"]');
const heading = (page: Page) => page.getByRole("heading", { level: 1 });

/**
 * The page's tab is hidden (as when the person is in another tab) and notifications are allowed:
 * each notification the page shows (the browser's own Notification) is also recorded, in order.
 */
async function recordNotifications(page: Page): Promise<void> {
  await page.context().grantPermissions(["notifications"]);
  await page.evaluate(() => {
    const shown: string[] = [];
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        shown.push(title);
      }
    }
    Object.assign(window, { Notification: Recorded, shownNotifications: shown });
    Object.defineProperty(document, "visibilityState", { get: () => "hidden", configurable: true });
  });
}

const shownNotifications = (page: Page) =>
  page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications);

test("the owner renames the room and sets its topic, live on a member's page; mute hides the badge; leaving asks first", async ({
  page: alice,
  newPage,
}) => {
  const bob = await newPage();
  const { aliceName, bobName } = await signUpAliceAndBob(alice, bob);
  const roomName = uniqueName("plans");
  await createRoom(alice, roomName);
  await joinRoom(bob, roomName);
  await expectConnected(bob);

  // Room settings: the owner's only. Bad input is answered in words and the dialog stays.
  await expect(bob.getByRole("button", { name: "Room settings" })).toHaveCount(0);
  await alice.getByRole("button", { name: "Room settings" }).click();
  const settings = alice.getByRole("dialog", { name: "Room settings" });
  await expect(settings.getByLabel("Room name")).toHaveValue(roomName);
  await settings.getByLabel("Topic").fill("x".repeat(251));
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings.getByRole("alert")).toHaveText(/topic: must be at most 250 characters/);
  await expect(heading(bob)).toHaveText(roomName);

  const newName = uniqueName("roadmap");
  const topic = "What we ship this quarter, and who does what";
  await settings.getByLabel("Room name").fill(newName);
  await settings.getByLabel("Topic").fill(topic);
  await snapEveryWay(alice, "room-settings-dialog");
  await settings.getByRole("button", { name: "Save" }).click();
  await expect(settings).toHaveCount(0);
  await expect(heading(alice)).toHaveText(newName);

  // Bob's open page follows without a reload: heading, topic, sidebar, and the notices.
  await expect(heading(bob)).toHaveText(newName);
  await expect(bob.getByText(topic, { exact: true })).toBeVisible();
  await expect(conversationLink(sidebarList(bob, "Rooms"), newName)).toBeVisible();
  await expect(
    notices(bob).filter({ hasText: `${aliceName} renamed the room from ${roomName} to ${newName}` }),
  ).toHaveCount(1);
  await expect(notices(bob).filter({ hasText: `${aliceName} set the topic: ${topic}` })).toHaveCount(1);
  await snapEveryWay(bob, "room-header-topic");

  // Mute: Bob's count stays, muted: no badge colour, no mention badge, no count in the title.
  await bob.getByRole("button", { name: "Mute room" }).click();
  await expect(bob.getByRole("button", { name: "Unmute room" })).toBeVisible();
  await bob.getByRole("link", { name: "Parley", exact: true }).click();
  await expect(bob).toHaveURL(/\/chat$/);
  await recordNotifications(bob);
  await sendMessage(alice, `@${bobName} are you there?`);
  const entry = conversationLink(sidebarList(bob, "Rooms"), newName);
  await expect(entry.getByRole("img", { name: "1 unread, muted" })).toBeVisible();
  await expect(entry.getByRole("img", { name: /mentioning you/ })).toHaveCount(0);
  await expect(bob).not.toHaveTitle(/^\(\d/);
  expect(await shownNotifications(bob)).toEqual([]); // the count above came with the same event
  await snapEveryWay(bob, "sidebar-muted-room", async () => {
    // On a phone the sidebar is the ☰ menu: open it to show the room's muted count.
    const menu = bob.getByRole("button", { name: "Conversations menu" });
    if ((bob.viewportSize()?.width ?? 1280) < 700 && (await menu.getAttribute("aria-expanded")) !== "true") {
      await menu.click();
    }
    await expect(entry).toBeVisible();
  });

  // Unmuted, the same count is a badge again, with its mention.
  await entry.click();
  await bob.getByRole("button", { name: "Unmute room" }).click();
  await expect(bob.getByRole("button", { name: "Mute room" })).toBeVisible();
  await bob.getByRole("link", { name: "Parley", exact: true }).click();
  await sendMessage(alice, `@${bobName} and now?`);
  await expect(entry.getByRole("img", { name: /^\d+ unread$/ })).toBeVisible();
  await expect(entry.getByRole("img", { name: /mentioning you/ })).toBeVisible();
  await expect(bob).toHaveTitle(/^\(\d/);
  await expect.poll(() => shownNotifications(bob)).toEqual([`You were mentioned in #${newName}`]);

  // Leaving asks first: Cancel keeps Bob in; confirming leaves.
  await entry.click();
  await expect(heading(bob)).toHaveText(newName);
  await bob.getByRole("button", { name: "Leave room" }).click();
  const ask = bob.getByRole("dialog", { name: `Leave ${newName}?` });
  await expect(ask.getByRole("button", { name: "Cancel" })).toBeFocused();
  await ask.getByRole("button", { name: "Cancel" }).click();
  await expect(ask).toHaveCount(0);
  await expect(bob).toHaveURL(/\/chat\/rooms\/\d+$/);
  await leaveRoom(bob);
  await expect(bob).toHaveURL(/\/chat$/);
  await expect(entry).toHaveCount(0);
});

test("on a phone the member panel and the invite form are reachable; the owner removes a member, whose open room stops", async ({
  page: alice,
  newPage,
}) => {
  const bob = await newPage();
  const { aliceName, bobName } = await signUpAliceAndBob(alice, bob);
  const roomName = uniqueName("secret");
  await createRoom(alice, roomName, { private: true });
  await expectConnected(alice);

  await alice.setViewportSize({ width: 390, height: 800 });
  const membersButton = alice.getByRole("button", { name: "Members" });
  const sheet = alice.getByRole("dialog", { name: "Members" });
  // Focus moves in; Escape closes, and focus goes back to the button.
  await membersButton.click();
  await expect(sheet.getByRole("button", { name: "Close" })).toBeFocused();
  await alice.keyboard.press("Escape");
  await expect(sheet).toHaveCount(0);
  await expect(membersButton).toBeFocused();

  // By keyboard alone: open it, Tab past Close and Alice's own name (a button to her profile card)
  // to the invite form, invite Bob.
  await alice.keyboard.press("Enter");
  await expect(sheet.getByRole("button", { name: "Close" })).toBeFocused();
  await alice.keyboard.press("Tab");
  await expect(sheet.getByRole("button", { name: aliceName, exact: true })).toBeFocused();
  await alice.keyboard.press("Tab");
  await expect(sheet.getByLabel("Username")).toBeFocused();
  await alice.keyboard.type(bobName);
  await alice.keyboard.press("Enter");
  await expect(sheet.getByRole("status")).toHaveText(`${bobName} is now a member.`);
  await expect(sheet.getByRole("listitem").filter({ hasText: bobName })).toHaveCount(1);

  // A tap beside the sheet closes it.
  await alice.mouse.click(8, 790);
  await expect(sheet).toHaveCount(0);
  await expect(membersButton).toBeFocused();
  await snapEveryWay(alice, "room-members-phone", async () => {
    const narrow = (alice.viewportSize()?.width ?? 1280) < 700;
    const open = (await sheet.count()) > 0;
    if (open && !narrow) await alice.keyboard.press("Escape");
    if (narrow && !open) await membersButton.click();
    if (narrow) await expect(sheet).toBeVisible();
    else await expect(sheet).toHaveCount(0);
  });
  await alice.keyboard.press("Escape"); // the last picture had the sheet open
  await expect(sheet).toHaveCount(0);
  await alice.setViewportSize({ width: 390, height: 800 });

  // Bob has the room open when Alice removes him (asked first), from the sheet.
  const entry = conversationLink(sidebarList(bob, "Rooms"), roomName);
  await entry.click();
  await expect(heading(bob)).toHaveText(roomName);
  await expectConnected(bob);
  await sendMessage(bob, "before");
  await membersButton.click();
  await sheet.getByRole("button", { name: `Remove ${bobName}` }).click();
  const ask = alice.getByRole("dialog", { name: `Remove ${bobName}?` });
  await expect(ask.getByRole("button", { name: "Cancel" })).toBeFocused();
  await ask.getByRole("button", { name: "Remove", exact: true }).click();
  await expect(sheet.getByRole("listitem").filter({ hasText: bobName })).toHaveCount(0);
  await alice.keyboard.press("Escape");

  await expect(alerts(bob).filter({ hasText: "you were removed from this room by its owner" })).toBeVisible();
  await expect(entry).toHaveCount(0);
  await expect(bob.getByText("You are not a member of this private room", { exact: false })).toBeVisible();
  await expect(bob.getByRole("button", { name: /^Join/ })).toHaveCount(0);
  await expect(bob.getByRole("textbox", { name: "Message", exact: true })).toHaveCount(0);
  await expect(notices(alice).filter({ hasText: `${bobName} was removed from the room` })).toHaveCount(1);
  await sendMessage(alice, "after bob left");
  // Alice's own message went out over the same bus Bob's page would hear it on; his page has stopped.
  await expect(textMessages(bob).filter({ hasText: "before" })).toHaveCount(1);
  await expect(textMessages(bob).filter({ hasText: "after bob left" })).toHaveCount(0);
  await snap(bob, "room-removed");
});

/**
 * A Join button pressed before a search and released once the search's answer is shown: press and
 * release land on the same button, so the room is joined and opened. (The list used to empty and
 * refill under the pointer, so the release hit a new button and the click was lost: the README's
 * scene in shell.spec.ts stayed on /chat/browse once so.) Then `joinRoom`, which searches and clicks
 * at once, over and over, with rooms the search moves up the list.
 */
test("a Join pressed while the search's answer arrives still joins; joining by search, repeated", async ({
  page: alice,
  newPage,
}) => {
  // Nine room pages made or joined in one test: 56 s, then over the 90 s default (cut off in its
  // last round, nothing wrong on the page), in two runs on the shared 2-core machine at load 14.
  test.setTimeout(150_000);
  const bob = await newPage();
  await signUpAliceAndBob(alice, bob);
  const tag = uniqueName("");
  const joinButtons = bob.getByRole("button", { name: /^Join / });
  // "0…" sorts first among the public rooms, and "08…" before "09…": each round's room leads the
  // unfiltered list as it leads the search's, and another one of the test's rooms follows it.
  await createRoom(alice, `0zother${tag}`);
  for (let round = 9; round >= 8; round--) {
    const name = `0${round}press${tag}`;
    await createRoom(alice, name);
    // A page load: the list of public rooms is asked afresh (a client-side visit may show it cached).
    await bob.goto("/chat/browse");
    const join = bob.getByRole("button", { name: `Join ${name}`, exact: true });
    await expect(join).toBeVisible();
    const box = await join.boundingBox();
    if (!box) throw new Error(`"Join ${name}" is not shown`);
    await expect(joinButtons).not.toHaveCount(1);
    const answered = bob.waitForResponse(
      (response) => response.url().includes("rooms.public") && decodeURIComponent(response.url()).includes(name),
    );
    await bob.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await bob.mouse.down();
    await bob.getByLabel("Search rooms").fill(name);
    await answered;
    await expect(joinButtons).toHaveCount(1);
    await bob.mouse.up();
    await roomIdOf(bob);
    await expect(heading(bob)).toHaveText(name);
  }
  for (let round = 0; round < 4; round++) {
    const name = `${round}join${tag}`;
    await createRoom(alice, name);
    await joinRoom(bob, name);
  }
});
