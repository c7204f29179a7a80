import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import {
  composer,
  conversationLink,
  createRoom,
  expectConnected,
  joinRoom,
  sendMessage,
  sidebar,
  sidebarList,
  signUp,
  snapEveryWay,
  uniqueName,
} from "./parley-ui";

/** The scrolling history: a named tab stop around the log. */
const history = (page: Page) => page.getByRole("region", { name: "Chat history" });
const scrollTopOf = (page: Page) => history(page).evaluate((el) => Math.round(el.scrollTop));
const menuButton = (page: Page) => page.getByRole("button", { name: "Conversations menu" });

test("typing right after a send is shown to the others at once", async ({ page, newPage }) => {
  const adaName = uniqueName("ada");
  const roomName = uniqueName("chatter");
  await signUp(page, adaName);
  await createRoom(page, roomName);
  const bob = await newPage();
  await signUp(bob, uniqueName("bob"));
  await joinRoom(bob, roomName);
  await expectConnected(page);
  await expectConnected(bob);
  const typing = bob.locator(".pl-typing");

  // Typing, then sending: the message ends the notice.
  // Keys until bob hears the notice (his room stream may still be subscribing); the last key's notice went at typedAt or later.
  let typedAt = 0;
  await expect(async () => {
    typedAt = Date.now();
    await composer(page).press("f");
    await expect(typing).toHaveText(`${adaName} is typing…`, { timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await composer(page).press("Enter");
  await expect(bob.getByRole("log", { name: "Chat history" }).locator('li[data-kind="text"]')).toHaveCount(1);
  await expect(typing).toHaveText("");

  // One key, well within the old 3 s throttle of the first notice: shown anyway.
  await composer(page).press("s");
  expect(Date.now() - typedAt).toBeLessThan(3000);
  await expect(typing).toHaveText(`${adaName} is typing…`, { timeout: 2000 });
});

test("a skip link, first in the tab order and visible on focus, goes to the conversation", async ({ page }) => {
  await signUp(page, uniqueName("skip"));
  const roomId = await createRoom(page, uniqueName("skipped"));

  // A fresh page: the first Tab reaches the skip link, shown while focused.
  await page.goto("/chat");
  const skip = page.getByRole("link", { name: "Skip to conversation" });
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Welcome to Parley");
  await expect(skip).not.toBeInViewport();
  await page.keyboard.press("Tab");
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport({ ratio: 1 });

  // In a room it goes to the composer.
  await page.goto(`/chat/rooms/${roomId}`);
  await expectConnected(page);
  await expect(composer(page)).toBeEnabled();
  await skip.focus();
  await expect(skip).toBeInViewport({ ratio: 1 });
  await page.keyboard.press("Enter");
  await expect(composer(page)).toBeFocused();
  await expect(skip).not.toBeInViewport();

  await snapEveryWay(page, "skip-link-focused", async () => {
    await skip.focus();
    await expect(skip).toBeInViewport({ ratio: 1 });
  });
});

test("opening a room from the sidebar puts focus in its composer; PageUp/PageDown there scroll the history, which is a tab stop", async ({
  page,
}) => {
  const first = uniqueName("first");
  const second = uniqueName("second");
  await signUp(page, uniqueName("keys"));
  await createRoom(page, first);
  await createRoom(page, second);
  await expectConnected(page);

  // Opened from the keyboard: focus lands in the room, not left on the link.
  const link = conversationLink(sidebarList(page, "Rooms"), first);
  await link.focus();
  await link.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(first);
  await expect(composer(page)).toBeFocused();

  // Tall messages, so the history scrolls.
  const lines = (label: string) => Array.from({ length: 30 }, (_, i) => `${label} line ${i + 1}`).join("\n");
  for (const label of ["one", "two", "three"]) await sendMessage(page, lines(label), "enter");
  const list = history(page);
  await expect(list).toHaveAttribute("tabindex", "0");
  await expect.poll(() => list.evaluate((el) => el.scrollHeight - el.clientHeight)).toBeGreaterThan(600);
  await list.evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });

  await composer(page).focus();
  const bottom = await scrollTopOf(page);
  await composer(page).press("PageUp");
  await expect.poll(() => scrollTopOf(page)).toBeLessThan(bottom - 200);
  const up = await scrollTopOf(page);
  await composer(page).press("PageUp");
  await expect.poll(() => scrollTopOf(page)).toBeLessThan(up);
  const higher = await scrollTopOf(page);
  await composer(page).press("PageDown");
  await expect.poll(() => scrollTopOf(page)).toBeGreaterThan(higher);
  await composer(page).press("PageDown");
  await composer(page).press("PageDown");
  await expect.poll(() => scrollTopOf(page)).toBe(bottom);
  // The composer keeps focus.
  await expect(composer(page)).toBeFocused();

  // The list itself takes focus and scrolls with the browser's own keys.
  await list.focus();
  await expect(list).toBeFocused();
  await page.keyboard.press("Home");
  await expect.poll(() => scrollTopOf(page)).toBe(0);
  await page.keyboard.press("End");
  await expect.poll(() => scrollTopOf(page)).toBe(bottom);
});

test("on a phone the Conversations menu takes focus and closes on Escape or a tap outside; the home page names the menu", async ({
  browser,
  baseURL,
}) => {
  const context = await browser.newContext({ baseURL, viewport: { width: 390, height: 844 }, hasTouch: true });
  const page = await context.newPage();
  try {
    await signUp(page, uniqueName("phone"));
    const intro = page.getByText(/^Pick a conversation/);
    // The words for the other width are hidden, so read what is shown.
    await expect.poll(() => intro.innerText()).toBe("Pick a conversation from the Conversations menu, or start one:");
    await expect(page.getByText(/on the left/)).toHaveCount(0);

    const nav = sidebar(page);
    await menuButton(page).click();
    await expect(nav).toBeVisible();
    await expect(nav.getByRole("link", { name: "Browse rooms" })).toBeFocused();

    await page.keyboard.press("Escape");
    await expect(nav).toBeHidden();
    await expect(menuButton(page)).toBeFocused();
    await expect(menuButton(page)).toHaveAttribute("aria-expanded", "false");

    await menuButton(page).click();
    await expect(nav).toBeVisible();
    // A tap on the page beside the menu (it is at most 300 px wide).
    await page.touchscreen.tap(370, 500);
    await expect(nav).toBeHidden();
    await expect(menuButton(page)).toBeFocused();

    // A tap inside the menu leaves it open.
    await menuButton(page).click();
    await nav.getByRole("heading", { name: "Rooms" }).click();
    await expect(nav).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(nav).toBeHidden();

    // On a wide screen the words name the sidebar.
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => intro.innerText()).toBe("Pick a conversation in the sidebar, or start one:");

    await snapEveryWay(page, "phone-menu-open", async () => {
      if (await menuButton(page).isVisible()) {
        if ((await menuButton(page).getAttribute("aria-expanded")) !== "true") await menuButton(page).click();
        await expect(nav).toBeVisible();
      }
    });
  } finally {
    await context.close();
  }
});
