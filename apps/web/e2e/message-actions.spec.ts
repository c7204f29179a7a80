import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  composer,
  conversationLink,
  createRoom,
  escapeRegExp,
  expectConnected,
  joinRoom,
  messageLog,
  sidebarList,
  signUp,
  signUpAliceAndBob,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * Records every browser notification the page constructs (window.__notifications), and lets the
 * test hide the page (window.__setHidden), as a switch to another tab would: visibilityState and
 * `hidden` follow, and `visibilitychange` fires.
 */
function watchNotifications() {
  const made: { title: string; body?: string }[] = [];
  const w = window as unknown as Record<string, unknown>;
  w.__notifications = made;
  const Real = window.Notification;
  function Recording(title: string, options?: NotificationOptions) {
    made.push({ title, body: options?.body });
    try {
      return new Real(title, options);
    } catch {
      return {};
    }
  }
  Object.defineProperty(Recording, "permission", { get: () => Real.permission });
  (Recording as unknown as { requestPermission: unknown }).requestPermission = Real.requestPermission.bind(Real);
  w.Notification = Recording;
  let hidden = false;
  Object.defineProperty(document, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  w.__setHidden = (value: boolean) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
}

const notifications = (page: Page) =>
  page.evaluate(() => (window as unknown as { __notifications: { title: string }[] }).__notifications);
const setHidden = (page: Page, hidden: boolean) =>
  page.evaluate((value) => (window as unknown as { __setHidden: (v: boolean) => void }).__setHidden(value), hidden);

/** A text message in the log, by some text it holds. */
const messageWith = (page: Page, text: string) => textMessages(page).filter({ hasText: text });
/** One of a message's actions (its toolbar shows on hover and on focus). */
async function act(page: Page, text: string, action: string) {
  const message = messageWith(page, text);
  await message.hover();
  await message.getByRole("toolbar").getByRole("button", { name: action, exact: true }).click();
}

test("two people edit, delete, react, reply in a thread and mention each other live", async ({
  page: alice,
  newPage,
  browser,
  baseURL,
}) => {
  const bobContext = await browser.newContext({ baseURL });
  await bobContext.grantPermissions(["notifications"], { origin: baseURL });
  await bobContext.addInitScript(watchNotifications);
  const bob = await bobContext.newPage();
  try {
    const { aliceName, bobName } = await signUpAliceAndBob(alice, bob);
    const roomName = uniqueName("acts");
    await createRoom(alice, roomName);
    await joinRoom(bob, roomName);
    await expectConnected(alice);
    await expectConnected(bob);

    // Bob looks elsewhere, in a hidden tab; Alice mentions him, picking his name from the suggestions.
    await bob.getByRole("link", { name: "People" }).click();
    await setHidden(bob, true);
    await composer(alice).fill(`hello @${bobName.slice(0, 5)}`);
    const option = alice
      .getByRole("listbox", { name: "People to mention" })
      .getByRole("option", { name: new RegExp(bobName) });
    await expect(option).toBeVisible();
    await expect(composer(alice)).toHaveAttribute("aria-activedescendant", /.+/);
    await composer(alice).press("Enter");
    await expect(composer(alice)).toHaveValue(`hello @${bobName} `);
    await composer(alice).pressSequentially("how are you?");
    await composer(alice).press("Enter");
    await expect(messageWith(alice, "how are you?")).toHaveCount(1);

    // His sidebar shows the mention, and the hidden tab raised a notification.
    const entry = conversationLink(sidebarList(bob, "Rooms"), roomName);
    await expect(entry.getByRole("img", { name: "1 mentioning you" })).toBeVisible();
    await expect
      .poll(() => notifications(bob))
      .toEqual([expect.objectContaining({ title: `You were mentioned in #${roomName}` })]);
    await expect(bob).toHaveTitle(/^\(1\) /);
    await setHidden(bob, false);

    await entry.click();
    const mention = messageWith(bob, "how are you?");
    await expect(mention).toHaveAttribute("data-mentions-me", "true");
    await expect(mention.locator("mark[data-me]")).toHaveText(`@${bobName}`);
    // Read now: the badge goes.
    await expect(entry.getByRole("img", { name: /mentioning you/ })).toHaveCount(0);

    // Bob reacts from the picker; Alice sees it and adds hers by pressing it.
    await act(bob, "how are you?", "Add reaction");
    const picker = bob.getByRole("dialog", { name: "Pick a reaction" });
    await picker
      .getByRole("searchbox", { name: "Search emoji" })
      .or(picker.getByLabel("Search emoji"))
      .first()
      .fill("thumbs up");
    // frimousse's list is a grid: each emoji a cell named by its label.
    await picker.getByLabel("Thumbs up", { exact: true }).first().click();
    await expect(picker).toHaveCount(0);
    const bobsThumb = messageWith(bob, "how are you?").getByRole("button", { name: /^👍 1/ });
    await expect(bobsThumb).toHaveAttribute("aria-pressed", "true");
    const alicesThumb = messageWith(alice, "how are you?").getByRole("button", { name: /^👍 1/ });
    await expect(alicesThumb).toHaveAttribute("aria-pressed", "false");
    await expect(alicesThumb).toHaveAttribute("title", new RegExp(`${bobName} reacted with 👍`));
    await alicesThumb.click();
    await expect(messageWith(bob, "how are you?").getByRole("button", { name: /^👍 2/ })).toBeVisible();
    await expect(messageWith(alice, "how are you?").getByRole("button", { name: /^👍 2/ })).toHaveAttribute(
      "aria-pressed",
      "true",
    );

    // Alice edits with Up in the empty composer: Enter saves, Bob sees the new text marked (edited).
    await composer(alice).focus();
    await composer(alice).press("ArrowUp");
    const editor = alice.getByRole("textbox", { name: "Edit message" });
    await expect(editor).toBeFocused();
    await editor.fill(`hello @${bobName} how have you been?`);
    await editor.press("Enter");
    await expect(messageWith(bob, "how have you been?")).toContainText("(edited)");
    await expect(messageWith(bob, "how are you?")).toHaveCount(0);

    // Bob replies in a thread; Alice's message shows the thread, and its panel the reply, live.
    await act(bob, "how have you been?", "Reply in thread");
    const bobThread = bob.getByRole("region", { name: /^Thread/ });
    await bobThread.getByRole("textbox", { name: "Reply" }).fill(`fine, thanks @${aliceName}`);
    await bobThread.getByRole("textbox", { name: "Reply" }).press("Enter");
    await expect(bobThread.getByRole("log", { name: "Replies" })).toContainText("fine, thanks");
    const summary = messageWith(alice, "how have you been?").getByRole("button", { name: /1 reply/ });
    await expect(summary).toBeVisible();
    // The reply lives in its thread, not in the room's timeline.
    await expect(messageWith(alice, "fine, thanks")).toHaveCount(0);
    await summary.click();
    const aliceThread = alice.getByRole("region", { name: /^Thread/ });
    const reply = aliceThread.getByRole("log", { name: "Replies" }).locator("li").filter({ hasText: "fine, thanks" });
    await expect(reply).toHaveAttribute("data-mentions-me", "true");
    // A reply while Alice has the thread open arrives in it live, and the summary counts it.
    await bobThread.getByRole("textbox", { name: "Reply" }).fill("one more thing");
    await bobThread.getByRole("textbox", { name: "Reply" }).press("Enter");
    await expect(aliceThread.getByRole("log", { name: "Replies" })).toContainText("one more thing");
    await expect(messageWith(alice, "how have you been?").getByRole("button", { name: /2 replies/ })).toBeVisible();

    // Alice pins her message; Bob sees the mark and finds it in the room's pinned list.
    await act(alice, "how have you been?", "Pin");
    await expect(messageWith(bob, "how have you been?")).toHaveAttribute("data-pinned", "true");
    await bob.getByRole("button", { name: "Pinned" }).click();
    const pinned = bob.getByRole("dialog", { name: "Pinned messages" });
    await expect(pinned).toContainText("how have you been?");
    await pinned.getByRole("button", { name: "Close" }).click();

    // Alice says something she regrets and deletes it, after confirming; Bob sees a tombstone, no text.
    await composer(alice).fill("a secret I should not have said");
    await composer(alice).press("Enter");
    await expect(messageWith(bob, "a secret I should not have said")).toHaveCount(1);
    await act(alice, "a secret I should not have said", "Delete");
    const confirm = alice.getByRole("dialog", { name: "Delete this message?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await expect(messageLog(bob)).not.toContainText("a secret I should not have said");
    await expect(messageLog(bob).locator('li[data-deleted="true"]')).toContainText("message deleted");
    await expect(messageLog(alice).locator('li[data-deleted="true"]')).toContainText(aliceName);

    // Bob may not edit or delete Alice's message: those actions are not offered to him.
    const hers = messageWith(bob, "how have you been?");
    await hers.hover();
    await expect(hers.getByRole("toolbar").getByRole("button", { name: "Edit" })).toHaveCount(0);
    await expect(hers.getByRole("toolbar").getByRole("button", { name: "Delete" })).toHaveCount(0);

    // After a reload, both see the same state: edited, reacted, pinned, replied to, deleted.
    await Promise.all([alice.reload(), bob.reload()]);
    for (const page of [alice, bob]) {
      const message = messageWith(page, "how have you been?");
      await expect(message).toContainText("(edited)");
      await expect(message.getByRole("button", { name: /^👍 2/ })).toBeVisible();
      await expect(message.getByRole("button", { name: /2 replies/ })).toBeVisible();
      await expect(message).toHaveAttribute("data-pinned", "true");
      await expect(messageLog(page)).not.toContainText("a secret I should not have said");
    }
  } finally {
    await bobContext.close();
  }
  void newPage;
});

test("every action on a message is reachable from the keyboard, and changes are announced", async ({ page }) => {
  const me = uniqueName("keys");
  await signUp(page, me);
  await createRoom(page, uniqueName("keyboard"));
  await expectConnected(page);
  await composer(page).fill("typed without a mouse");
  await composer(page).press("Enter");
  const message = messageWith(page, "typed without a mouse");
  // Confirmed by the server (the optimistic copy offers no actions).
  await expect(message.getByRole("toolbar")).toBeAttached();

  // The message takes focus; Tab goes on to its author's name (their profile card), then into its
  // toolbar, whose buttons the arrows move between.
  await message.focus();
  await page.keyboard.press("Tab");
  await expect(message.getByRole("button", { name: me, exact: true })).toBeFocused();
  await page.keyboard.press("Tab");
  const toolbar = message.getByRole("toolbar");
  await expect(toolbar.getByRole("button", { name: "Add reaction" })).toBeFocused();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(toolbar.getByRole("button", { name: "Edit" })).toBeFocused();
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Edit message" });
  await expect(editor).toBeFocused();
  await page.keyboard.press("End");
  await page.keyboard.type(", then edited");
  await page.keyboard.press("Enter");
  await expect(messageWith(page, "typed without a mouse, then edited")).toContainText("(edited)");
  await expect(page.getByRole("status").filter({ hasText: "You edited a message" })).toHaveCount(1);
  await expect(message).toBeFocused();

  // The picker is a dialog: focus goes in, and comes back to the button that opened it.
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  const react = toolbar.getByRole("button", { name: "Add reaction" });
  await expect(react).toBeFocused();
  await page.keyboard.press("Enter");
  const picker = page.getByRole("dialog", { name: "Pick a reaction" });
  await expect(picker.getByRole("searchbox")).toBeFocused();
  await page.keyboard.type("rocket");
  // Arrow keys move through frimousse's grid of the emoji found; Enter picks the active one.
  await expect(picker.getByLabel("Rocket", { exact: true })).toBeVisible();
  await page.keyboard.press("ArrowRight");
  const active = picker.locator('[role="gridcell"][aria-selected="true"]');
  await expect(active).toHaveCount(1);
  // As the page sends it: without emojibase's extra U+FE0F after an emoji-style character.
  const picked = ((await active.textContent()) ?? "").replace(/(\p{Emoji_Presentation})\uFE0F/gu, "$1");
  await page.keyboard.press("Enter");
  await expect(picker).toHaveCount(0);
  await expect(react).toBeFocused();
  const reaction = message.getByRole("button", { name: new RegExp(`^${escapeRegExp(picked)} 1`) });
  await expect(reaction).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("status").filter({ hasText: `You added the reaction ${picked}` })).toHaveCount(1);
  // The reaction itself is a toggle: Enter on it takes mine back.
  await reaction.focus();
  await page.keyboard.press("Enter");
  await expect(reaction).toHaveCount(0);

  // Deleting asks first, with Cancel focused; Escape keeps the message, the Delete button removes it.
  await message.focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("End");
  await expect(toolbar.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  const confirm = page.getByRole("dialog", { name: "Delete this message?" });
  await expect(confirm.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(confirm).toHaveCount(0);
  await expect(toolbar.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  await expect(confirm.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(messageLog(page).locator('li[data-deleted="true"]')).toContainText("message deleted");
  await expect(messageLog(page)).not.toContainText("typed without a mouse");
});

test("notifications are asked for only from a click, never on page load", async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __asked: number };
    w.__asked = 0;
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = () => {
      w.__asked++;
      return ask();
    };
  });
  const asked = () => page.evaluate(() => (window as unknown as { __asked: number }).__asked);
  await signUp(page, uniqueName("quiet"));
  await createRoom(page, uniqueName("calm"));
  await page.reload();
  await expectConnected(page);
  const enable = page.getByRole("button", { name: "Enable notifications" });
  await expect(enable).toBeVisible();
  expect(await asked()).toBe(0);
  await enable.click();
  await expect.poll(asked).toBe(1);
});

test("on a phone, a long press opens a message's actions, and a thread fills the screen with a way back", async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 390, height: 844 },
    hasTouch: true,
    isMobile: true,
  });
  const page = await context.newPage();
  try {
    await signUp(page, uniqueName("thumb"));
    // The badge says Connected once the page's script runs: a menu button clicked before that does nothing.
    await expectConnected(page);
    await page.getByRole("button", { name: "Conversations menu" }).click();
    await createRoom(page, uniqueName("pocket"));
    await expectConnected(page);
    await composer(page).fill("pressed and held");
    await composer(page).press("Enter");
    const message = messageWith(page, "pressed and held");
    await expect(message.getByRole("toolbar")).toBeAttached();

    // Touch and hold: the actions open (and stay) once the press has lasted long enough.
    const box = await message.boundingBox();
    const touch = { identifier: 1, clientX: (box?.x ?? 0) + 40, clientY: (box?.y ?? 0) + 20 };
    await message.dispatchEvent("touchstart", { touches: [touch], changedTouches: [touch] });
    await expect(message).toHaveAttribute("data-actions-open", "true");
    await message.dispatchEvent("touchend", { touches: [], changedTouches: [touch] });
    await message.getByRole("toolbar").getByRole("button", { name: "Reply in thread" }).tap();

    const thread = page.getByRole("region", { name: /^Thread/ });
    const size = await thread.boundingBox();
    expect(size).toEqual(expect.objectContaining({ x: 0, y: 0, width: 390, height: 844 }));
    await thread.getByRole("button", { name: "Close thread" }).tap();
    await expect(thread).toHaveCount(0);
    await expect(messageLog(page)).toBeVisible();
  } finally {
    await context.close();
  }
});
