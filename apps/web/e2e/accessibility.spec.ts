import type { BrowserContext, Locator, Page } from "@playwright/test";
import { audit, expectNoViolations } from "./a11y";
import { pdfFile, photoWithLocation } from "./files";
import { expect, test } from "./fixtures";
import {
  attachFiles,
  attachments,
  createRoom,
  expectConnected,
  joinRoom,
  messageLog,
  sendMessage,
  signUp,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * The accessibility gate (issue 15): axe-core (WCAG 2.0 and 2.1, levels A and AA) finds no serious
 * or critical violation on any screen, nor in any dialog, in light and dark, 1280 and 390 px wide;
 * and every focus indicator measured here contrasts at least 3:1 with what is around it (WCAG 2.2
 * 1.4.11 and 2.4.13).
 */
test.describe.configure({ mode: "serial" });

const annName = uniqueName("ann");
const benName = uniqueName("ben");
const roomName = uniqueName("a11y");
let contexts: BrowserContext[] = [];
let ann: Page;
let ben: Page;
let roomUrl: string;
let directUrl: string;

/** One of a message's actions (its toolbar shows on hover and on focus). */
async function act(message: Locator, action: string) {
  await message.hover();
  await message.getByRole("toolbar").getByRole("button", { name: action, exact: true }).click();
}

test.beforeAll(async ({ browser, stack }) => {
  const [annContext, benContext] = [
    await browser.newContext({ baseURL: stack.webUrl }),
    await browser.newContext({ baseURL: stack.webUrl }),
  ];
  contexts = [annContext, benContext];
  ann = await annContext.newPage();
  ben = await benContext.newPage();
  await signUp(ann, annName);
  await signUp(ben, benName);
  await createRoom(ann, roomName);
  roomUrl = new URL(ann.url()).pathname;
  await joinRoom(ben, roomName);
  await sendMessage(ben, `hello @${annName}, a message to look at`);
  await sendMessage(ann, "and a reply with a link: https://example.com");
  const first = textMessages(ann).filter({ hasText: "a message to look at" });
  await act(first, "Pin");
  await expect(first).toHaveAttribute("data-pinned", "true");
  await act(first, "Reply in thread");
  const thread = ann.getByRole("region", { name: /^Thread/ });
  await thread.getByRole("textbox", { name: "Reply" }).fill("a reply in the thread");
  await thread.getByRole("textbox", { name: "Reply" }).press("Enter");
  await expect(thread.getByRole("log", { name: "Replies" })).toContainText("a reply in the thread");
  await thread.getByRole("button", { name: "Close thread" }).click();
  await ann.getByRole("link", { name: "People" }).click();
  await ann.getByLabel("Search people").fill(benName);
  await ann.getByRole("button", { name: `Message ${benName}`, exact: true }).click();
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText(benName);
  await sendMessage(ann, "a word in private");
  directUrl = new URL(ann.url()).pathname;
  // A message with files: an image shown inline and a file's card.
  await attachFiles(ann, [await photoWithLocation(ann, "harbour.jpg", 1200, 800), pdfFile("minutes.pdf")]);
  await expect(attachments(ann).getByText("ready")).toHaveCount(2);
  await sendMessage(ann, "the harbour, and the minutes");
});

test.afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
});

test("sign-in and sign-up have no serious accessibility violations", async ({ page }) => {
  const found: string[] = [];
  await page.goto("/signin");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  found.push(...(await audit(page, "sign in")));
  await page.goto("/signup");
  await expect(page.getByRole("button", { name: "Create account" })).toBeVisible();
  found.push(...(await audit(page, "sign up")));
  expectNoViolations(found);
});

test("the chat's pages have no serious accessibility violations", async () => {
  const found: string[] = [];
  await ann.goto("/chat");
  await expectConnected(ann);
  found.push(...(await audit(ann, "chat home")));

  // The phone's menu over the page (only phones have it).
  const menuButton = ann.getByRole("button", { name: "Conversations menu" });
  const openMenu = async () => {
    if ((await menuButton.getAttribute("aria-expanded")) !== "true") await menuButton.click();
  };
  found.push(...(await audit(ann, "phone menu", openMenu, [390])));
  await ann.goto(roomUrl);
  await expect(textMessages(ann)).toHaveCount(2);
  found.push(...(await audit(ann, "room")));

  await ann.getByRole("link", { name: "Browse rooms" }).click();
  await expect(ann.getByRole("button", { name: "Create room" })).toBeVisible();
  found.push(...(await audit(ann, "browse")));

  await ann.getByRole("link", { name: "People" }).click();
  await expect(ann.getByRole("button", { name: `Message ${benName}`, exact: true })).toBeVisible();
  found.push(...(await audit(ann, "people")));

  await ann.goto("/chat/profile");
  await expect(ann.getByLabel("Display name", { exact: true })).toBeVisible();
  found.push(...(await audit(ann, "profile")));

  await ann
    .getByRole("navigation", { name: "Conversations" })
    .getByRole("link", { name: new RegExp(`^${benName}`) })
    .click();
  await expect(messageLog(ann)).toContainText("a word in private");
  await expect(messageLog(ann).getByAltText("harbour.jpg")).toBeVisible();
  found.push(...(await audit(ann, "direct conversation, with an image and a file")));
  expectNoViolations(found);
});

test("the dialogs and panels have no serious accessibility violations", async () => {
  const found: string[] = [];
  await ann.goto(roomUrl);
  await expect(textMessages(ann)).toHaveCount(2);
  const first = textMessages(ann).filter({ hasText: "a message to look at" });

  await act(first, "Add reaction");
  const picker = ann.getByRole("dialog", { name: "Pick a reaction" });
  await picker.getByLabel("Search emoji").first().fill("thumbs up");
  await expect(picker.getByLabel("Thumbs up", { exact: true }).first()).toBeVisible();
  found.push(...(await audit(ann, "emoji picker")));
  await picker.getByRole("button", { name: "Close" }).click();
  await expect(picker).toHaveCount(0);

  await ann.getByRole("button", { name: "Pinned messages" }).click();
  const pinned = ann.getByRole("dialog", { name: "Pinned messages" });
  await expect(pinned).toContainText("a message to look at");
  found.push(...(await audit(ann, "pinned messages")));
  await ann.keyboard.press("Escape");
  await expect(pinned).toHaveCount(0);

  await first.getByRole("button", { name: /1 reply/ }).click();
  const thread = ann.getByRole("region", { name: /^Thread/ });
  await expect(thread.getByRole("log", { name: "Replies" })).toContainText("a reply in the thread");
  found.push(...(await audit(ann, "thread")));
  await thread.getByRole("button", { name: "Close thread" }).click();

  await first.getByRole("button", { name: benName, exact: true }).click();
  const card = ann.getByRole("dialog", { name: benName });
  await expect(card).toBeVisible();
  found.push(...(await audit(ann, "profile card")));
  await ann.keyboard.press("Escape");
  await expect(card).toHaveCount(0);

  // The lightbox, and the composer with files, in the direct conversation that has the image.
  await ann.goto(directUrl);
  const withFiles = textMessages(ann).filter({ hasText: "the harbour, and the minutes" });
  await withFiles.getByRole("button", { name: "harbour.jpg" }).click();
  const lightbox = ann.getByRole("dialog", { name: "harbour.jpg" });
  await expect(lightbox.getByRole("link", { name: "Download" })).toBeVisible();
  found.push(...(await audit(ann, "image lightbox")));
  await ann.keyboard.press("Escape");
  await expect(lightbox).toHaveCount(0);

  // The composer with a file ready and one refused (over the limit, made in the page).
  await attachFiles(ann, [pdfFile("agenda.pdf")]);
  await expect(attachments(ann).getByText("ready")).toHaveCount(1);
  const tooBig = await ann.evaluateHandle(
    (size) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(size)], "too-big.bin"));
      return data;
    },
    25 * 1024 * 1024 + 1,
  );
  await messageLog(ann).dispatchEvent("drop", { dataTransfer: tooBig });
  await expect(attachments(ann)).toContainText("Too big");
  found.push(...(await audit(ann, "composer with attachments")));
  await ann.getByRole("button", { name: "Remove agenda.pdf" }).click();
  await ann.getByRole("button", { name: "Remove too-big.bin" }).click();
  await expect(attachments(ann)).toHaveCount(0);
  // The search, open with results and its filters shown (issue 16).
  await ann.keyboard.press("Control+k");
  const search = ann.getByRole("dialog", { name: "Search messages" });
  await search.getByRole("combobox", { name: "Search messages" }).fill("message");
  await expect(search.getByRole("listbox", { name: "Results" }).getByRole("option")).not.toHaveCount(0);
  await search.getByText("Filters", { exact: true }).click();
  found.push(...(await audit(ann, "search")));
  await ann.keyboard.press("Escape");
  await expect(search).toHaveCount(0);

  const account = ann.getByRole("button", { name: "Account menu" });
  found.push(
    ...(await audit(ann, "user menu", async () => {
      if ((await account.getAttribute("aria-expanded")) !== "true") await account.click();
    })),
  );
  expectNoViolations(found);
});

/** WCAG's contrast ratio of two sRGB colours given as `rgb(r, g, b)` or `rgba(r, g, b, a)` (opaque here). */
function contrast(a: string, b: string): number {
  const luminance = (color: string) => {
    const [r, g, bl] = (color.match(/[\d.]+/g) ?? []).slice(0, 3).map((part) => {
      const c = Number(part) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (bl ?? 0);
  };
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/**
 * The focused element's focus indicator: its outline (style, width in px, colour) and the colours it
 * is drawn against (the first opaque background of the element and of its parent).
 */
async function focusRing(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const backgroundOf = (start: Element | null): string => {
      for (let node = start; node; node = node.parentElement) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg !== "transparent" && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
      }
      return "rgb(255, 255, 255)";
    };
    const style = getComputedStyle(el);
    return {
      tag: el.tagName,
      style: style.outlineStyle,
      width: Number.parseFloat(style.outlineWidth),
      color: style.outlineColor,
      inside: backgroundOf(el),
      around: backgroundOf(el.parentElement),
    };
  });
}

test("focus indicators contrast at least 3:1 on the dark sidebar and on text fields, in both schemes", async () => {
  await ann.goto(roomUrl);
  await expectConnected(ann);
  // The room, once its members are known, moves focus to its composer if it is still in the
  // sidebar: let that happen before focus is put anywhere here.
  await expect(ann.getByRole("textbox", { name: "Message", exact: true })).toBeFocused();
  for (const colorScheme of ["light", "dark"] as const) {
    await ann.emulateMedia({ colorScheme });
    const targets: [string, Locator][] = [
      ["sidebar link", ann.getByRole("link", { name: "People" })],
      ["composer", ann.getByRole("textbox", { name: "Message", exact: true })],
      ["invite field", ann.getByLabel("Username", { exact: true })],
    ];
    for (const [what, target] of targets) {
      // Focus from the keyboard (Shift+Tab, then Tab), as :focus-visible asks.
      await target.focus();
      await ann.keyboard.press("Shift+Tab");
      await ann.keyboard.press("Tab");
      await expect(target).toBeFocused();
      const ring = await focusRing(ann);
      const label = `${what} (${colorScheme}): outline ${ring.style} ${ring.width}px ${ring.color} on ${ring.inside} / ${ring.around}`;
      expect(ring.style, label).not.toBe("none");
      expect(ring.width, label).toBeGreaterThanOrEqual(2);
      expect(
        Math.min(contrast(ring.color, ring.inside), contrast(ring.color, ring.around)),
        label,
      ).toBeGreaterThanOrEqual(3);
    }
  }
  await ann.setViewportSize({ width: 390, height: 800 });
  const menuButton = ann.getByRole("button", { name: "Conversations menu" });
  await menuButton.focus();
  await ann.keyboard.press("Shift+Tab");
  await ann.keyboard.press("Tab");
  await expect(menuButton).toBeFocused();
  const ring = await focusRing(ann);
  const label = `phone menu button: outline ${ring.style} ${ring.width}px ${ring.color} on ${ring.inside} / ${ring.around}`;
  expect(ring.style, label).not.toBe("none");
  expect(Math.min(contrast(ring.color, ring.inside), contrast(ring.color, ring.around)), label).toBeGreaterThanOrEqual(
    3,
  );
  await ann.emulateMedia({ colorScheme: null });
  await ann.setViewportSize({ width: 1280, height: 800 });
});
