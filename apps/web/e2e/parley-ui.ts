import { randomBytes } from "node:crypto";
import path from "node:path";
import { type Database, schema } from "@parley/db";
import { expect, type Locator, type Page, test } from "@playwright/test";
import { eq } from "drizzle-orm";

/**
 * What a person does and sees in Parley's web UI, through the roles, labels and routes of the UI
 * contract only (issue 5): no CSS classes, no test ids.
 */

export const PASSWORD = "correct horse battery";

/** A username nobody else in this run has (2–32 letters and digits). */
export const uniqueName = (prefix: string) => `${prefix}${randomBytes(4).toString("hex")}`;

export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Text that starts with `text`: entries' accessible names start with the room's or person's name. */
export const startingWith = (text: string) => new RegExp(`^${escapeRegExp(text)}`);

/** Saves a screenshot of a main screen to test-results/screens/<name>.png, kept with the run's artifacts. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(test.info().project.outputDir, "screens", `${name}.png`), fullPage: true });
}

/**
 * `snap` in light and dark, 1280 and 390 px wide (`<name>-<scheme>-<width>`); `prepare` puts the page
 * in the state to show at each. Leaves the page at the system's scheme and 1280 px.
 */
export async function snapEveryWay(page: Page, name: string, prepare?: () => Promise<void>): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 800 });
      await prepare?.();
      await snap(page, `${name}-${colorScheme}-${width}`);
    }
  }
  await page.emulateMedia({ colorScheme: null });
  await page.setViewportSize({ width: 1280, height: 800 });
}

export async function signUp(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/chat$/);
  // Sign-up ends with a full page load of /chat: a click before React has hydrated it is lost (the
  // account menu then stays shut). The badge says "Connected" only once the page runs.
  await expectConnected(page);
}

/** Alice and Bob, each signed up (under a new name) in a page of their own: their usernames. */
export async function signUpAliceAndBob(alice: Page, bob: Page): Promise<{ aliceName: string; bobName: string }> {
  const aliceName = uniqueName("alice");
  const bobName = uniqueName("bob");
  await signUp(alice, aliceName);
  await signUp(bob, bobName);
  return { aliceName, bobName };
}

export async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Username", { exact: true }).fill(login);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/**
 * The page's alerts, except Next's route announcer (a `role="alert"` of its own that reads out the
 * title after each client-side navigation).
 */
export const alerts = (page: Page) => page.getByRole("alert").and(page.locator(":not(#__next-route-announcer__)"));

/** The header's connection badge. */
export const connectionBadge = (page: Page) => page.getByRole("status", { name: "Connection" });

export async function expectConnected(page: Page, timeout?: number): Promise<void> {
  const badge = connectionBadge(page);
  await expect(badge).toHaveAttribute("data-state", "connected", { timeout });
  await expect(badge).toHaveText("Connected");
}

export async function expectReconnecting(page: Page): Promise<void> {
  const badge = connectionBadge(page);
  await expect(badge).toHaveAttribute("data-state", "reconnecting");
  await expect(badge).toHaveText("Reconnecting…");
}

/** The header's account menu button: my avatar and @username; it opens Profile and Sign out. */
export const accountMenu = (page: Page) => page.getByRole("button", { name: "Account menu" });

/** Opens my profile page through the account menu. */
export async function openMyProfile(page: Page): Promise<void> {
  const button = accountMenu(page);
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("link", { name: "Profile", exact: true }).click();
  await expect(page).toHaveURL(/\/chat\/profile$/);
}

/** Signs out through the account menu (resolves once the click is made). */
export async function signOut(page: Page): Promise<void> {
  const button = accountMenu(page);
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("button", { name: "Sign out" }).click();
}

export const sidebar = (page: Page) => page.getByRole("navigation", { name: "Conversations" });

/** The sidebar list under a heading (`Rooms` or `Direct messages`): the first list after it. */
export const sidebarList = (page: Page, heading: "Rooms" | "Direct messages") =>
  sidebar(page)
    .getByRole("heading", { name: heading, exact: true })
    .locator("xpath=following::*[self::ul or self::ol or @role='list'][1]");

/** A conversation's entry in a sidebar list: a link whose name starts with the room's (or person's) name. */
export const conversationLink = (list: Locator, name: string) => list.getByRole("link", { name: startingWith(name) });

/** The room id in the page's URL, /chat/rooms/{id}, once the page is there. */
export async function roomIdOf(page: Page): Promise<number> {
  await expect(page).toHaveURL(/\/chat\/rooms\/\d+$/);
  return Number(new URL(page.url()).pathname.split("/").pop());
}

/** Creates a room on the browse page and lands in it; returns its id. */
export async function createRoom(page: Page, name: string, options: { private?: boolean } = {}): Promise<number> {
  await page.getByRole("link", { name: "Browse rooms" }).click();
  await expect(page).toHaveURL(/\/chat\/browse$/);
  await page.getByLabel("Room name", { exact: true }).fill(name);
  if (options.private) await page.getByLabel("Private", { exact: true }).check();
  await page.getByRole("button", { name: "Create room" }).click();
  const id = await roomIdOf(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  return id;
}

/** The browse page's list of public rooms; `aria-busy="true"` while it does not yet show what the search box says. */
export const publicRooms = (page: Page) => page.getByRole("list", { name: "Public rooms" });

/** Finds a public room on the browse page by its (unique) name and joins it, which opens it. */
export async function joinRoom(page: Page, name: string): Promise<number> {
  await page.getByRole("link", { name: "Browse rooms" }).click();
  await expect(page).toHaveURL(/\/chat\/browse$/);
  await page.getByLabel("Search rooms").fill(name);
  // The list is busy until it shows what the search found: a click on a button that the answer
  // moves (rooms before it no longer listed) would land on whatever takes its place, and be lost.
  await expect(publicRooms(page)).toHaveAttribute("aria-busy", "false");
  // Each room's Join button is named after it ("Join general"): a search may still list others.
  await page.getByRole("button", { name: `Join ${name}`, exact: true }).click();
  const id = await roomIdOf(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  return id;
}

/** Leaves the open room: "Leave room" asks first, and "Leave" in that dialog confirms. */
export async function leaveRoom(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Leave room" }).click();
  await page
    .getByRole("dialog", { name: /^Leave / })
    .getByRole("button", { name: "Leave", exact: true })
    .click();
}

export const messageLog = (page: Page) => page.getByRole("log", { name: "Chat history" });

/** The text messages in the room's log, oldest first (system notices left out). */
export const textMessages = (page: Page) => messageLog(page).locator('li[data-kind="text"]');

export const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });

/** Sends with the Send button, or with Enter in the composer; resolves once the message shows in the log. */
export async function sendMessage(page: Page, text: string, how: "button" | "enter" = "button"): Promise<void> {
  await composer(page).fill(text);
  if (how === "enter") await composer(page).press("Enter");
  else await page.getByRole("button", { name: "Send" }).click();
  await expect(textMessages(page).filter({ hasText: text })).toHaveCount(1);
}

/**
 * The log shows exactly these text messages, in this order, each once, none still pending, queued
 * or failed. (Each message is matched by its body: the entry also carries the author and the time.)
 */
export async function expectMessages(page: Page, bodies: string[]): Promise<void> {
  const expected = bodies.map((body) => new RegExp(escapeRegExp(body)));
  await expect(textMessages(page)).toHaveText(expected);
  await expect(
    messageLog(page).locator('li[data-status="pending"], li[data-status="queued"], li[data-status="failed"]'),
  ).toHaveCount(0);
  // Again once settled: an optimistic entry and its confirmed copy must not both remain.
  await expect(textMessages(page)).toHaveText(expected);
}

/** A file a test shares: its name, media type and bytes. */
export interface SharedFile {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Attaches files to the message being written with the composer's "Attach files" button. */
export async function attachFiles(page: Page, files: SharedFile[], scope: Page | Locator = page): Promise<void> {
  const chooser = page.waitForEvent("filechooser");
  await scope.getByRole("button", { name: "Attach files" }).click();
  await (await chooser).setFiles(files);
}

/**
 * Drags files over `target` and drops them there, as a person dragging them in from their desktop
 * does (dragenter, dragover, then drop, with a DataTransfer holding the files). `whileDragging`
 * runs between the dragover and the drop.
 */
export async function dropFiles(
  target: Locator,
  files: SharedFile[],
  whileDragging?: () => Promise<void>,
): Promise<void> {
  const dataTransfer = await target.page().evaluateHandle(
    (list) => {
      const transfer = new DataTransfer();
      for (const file of list) {
        transfer.items.add(new File([new Uint8Array(file.bytes)], file.name, { type: file.mimeType }));
      }
      return transfer;
    },
    files.map((file) => ({ name: file.name, mimeType: file.mimeType, bytes: [...file.buffer] })),
  );
  await target.dispatchEvent("dragenter", { dataTransfer });
  await target.dispatchEvent("dragover", { dataTransfer });
  await whileDragging?.();
  await target.dispatchEvent("drop", { dataTransfer });
  await dataTransfer.dispose();
}

/** The attachments of the message being written (in the room's composer unless `scope` says). */
export const attachments = (scope: Page | Locator) => scope.getByRole("list", { name: "Attachments" });

/** Makes `username` an administrator in the database, then signs `page` in again so that its session says so. */
export async function becomeAdmin(page: Page, db: Database, username: string) {
  await db.update(schema.users).set({ role: "admin" }).where(eq(schema.users.username, username));
  // A new session reads the role (the old one's may be cached for a few seconds: no event said it changed).
  await signOut(page);
  await expect(page).toHaveURL(/\/signin/);
  await signIn(page, username);
  await expect(page).toHaveURL(/\/chat$/);
  await expectConnected(page);
}
