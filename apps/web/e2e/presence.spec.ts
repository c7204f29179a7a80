import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  conversationLink,
  createRoom,
  expectConnected,
  joinRoom,
  sidebarList,
  signUp,
  snapEveryWay,
  uniqueName,
} from "./parley-ui";

/**
 * Issue 15, "Presence": online means connected anywhere (any room, any tab), away after a while
 * without input, offline once every client is gone; the same dot in the member list, the direct
 * conversations in the sidebar and a direct conversation's header.
 */

/** The web client's IDLE_AFTER_MS: five minutes without input. */
const IDLE_AFTER_MS = 5 * 60_000;
/** The server's PRESENCE_OFFLINE_GRACE_MS, plus room for the announcement to arrive. */
const OFFLINE_WITHIN = { timeout: 5_000 + 5_000 };

const membersOf = (page: Page) => page.getByRole("complementary", { name: "Members" });
const memberRow = (page: Page, name: string) => membersOf(page).getByRole("listitem").filter({ hasText: name });
/** Under a direct conversation's title: the other person's presence, @username and profile button. */
const directHeader = (page: Page) =>
  page.getByRole("paragraph").filter({ has: page.getByRole("button", { name: /'s profile$/ }) });
const dot = (scope: Locator, status: "Online" | "Away" | "Offline") =>
  scope.getByRole("img", { name: status, exact: true });

test("a person in another room shows online, then away when idle, then offline when gone", async ({
  page: alice,
  newPage,
}) => {
  const bob = await newPage();
  // Bob's tab runs on a clock the test moves: five idle minutes pass in an instant.
  await bob.clock.install();
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  const roomY = uniqueName("y");
  await signUp(alice, aliceName);
  await signUp(bob, bobName);
  await createRoom(alice, roomY);
  await joinRoom(bob, roomY);
  await createRoom(bob, uniqueName("x")); // bob is in room X now, not in Y
  await expectConnected(bob);

  // Alice, in room Y, sees bob online in its member list, and counts him.
  await conversationLink(sidebarList(alice, "Rooms"), roomY).click();
  await expect(alice.getByRole("heading", { level: 1 })).toHaveText(roomY);
  await expect(dot(memberRow(alice, bobName), "Online")).toBeVisible();
  await expect(alice.getByText(/ · 2 of 2 online$/)).toBeVisible();
  await expect(membersOf(alice).getByText("2 members, 2 online")).toBeVisible();
  // (On a phone the member panel is not shown yet: the header's count is.)
  await snapEveryWay(alice, "presence-members", async () => {
    const phone = (alice.viewportSize()?.width ?? 0) < 600;
    if (!phone) await expect(dot(memberRow(alice, bobName), "Online")).toBeVisible();
  });

  // Her direct conversation with bob: the header and the sidebar entry show him online.
  await alice.getByRole("link", { name: "People" }).click();
  await alice.getByLabel("Search people").fill(bobName);
  const bobCard = alice.getByRole("listitem").filter({ hasText: bobName });
  await expect(dot(bobCard, "Online")).toBeVisible();
  await snapEveryWay(alice, "presence-people", async () => {
    await expect(dot(bobCard, "Online")).toBeVisible();
  });
  await alice.getByRole("button", { name: `Message ${bobName}`, exact: true }).click();
  await expect(alice.getByRole("heading", { level: 1 })).toHaveText(bobName);
  const dmEntry = conversationLink(sidebarList(alice, "Direct messages"), bobName);
  await expect(dot(directHeader(alice), "Online")).toBeVisible();
  await expect(dot(dmEntry, "Online")).toBeVisible();
  await expect(dmEntry).toHaveAccessibleName(new RegExp(`^${bobName} Online`));

  // Bob leaves his tab alone for five minutes: away, everywhere alice looks.
  await bob.clock.fastForward(IDLE_AFTER_MS);
  await expect(dot(directHeader(alice), "Away")).toBeVisible();
  await expect(dot(dmEntry, "Away")).toBeVisible();
  await snapEveryWay(alice, "presence-direct-away", async () => {
    await expect(dot(directHeader(alice), "Away")).toBeVisible();
  });
  // A key pressed: back.
  await bob.keyboard.press("Shift");
  await expect(dot(directHeader(alice), "Online")).toBeVisible();

  // Bob closes his only tab: offline after the grace.
  await bob.close();
  await expect(dot(directHeader(alice), "Offline")).toBeVisible(OFFLINE_WITHIN);
  await expect(dot(dmEntry, "Offline")).toBeVisible();
  await conversationLink(sidebarList(alice, "Rooms"), roomY).click();
  await expect(dot(memberRow(alice, bobName), "Offline")).toBeVisible();
  await expect(alice.getByText(/ · 1 of 2 online$/)).toBeVisible();
  await expect(alice.getByText(`${bobName} joined the room`)).toBeVisible(); // history shown, for the pictures
  await snapEveryWay(alice, "presence-members-offline", async () => {
    const phone = (alice.viewportSize()?.width ?? 0) < 600;
    if (!phone) await expect(dot(memberRow(alice, bobName), "Offline")).toBeVisible();
  });
});
