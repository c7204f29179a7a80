import type { AppRouter } from "@parley/api";
import { messages } from "@parley/api/services";
import type { Database } from "@parley/db";
import { backdateMessage } from "@parley/db/testing";
import type { Page } from "@playwright/test";
import type { TRPCClient } from "@trpc/client";
import { expect, test } from "./fixtures";
import { trpcOverHttp } from "./outside-client";
import {
  composer,
  conversationLink,
  createRoom,
  messageLog,
  PASSWORD,
  sidebarList,
  signUp,
  snapEveryWay,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * The timeline's comforts (issue 15, section 4): where unread messages begin and landing there,
 * read marks that follow what was seen, "Jump to latest", day dividers, grouped messages' times,
 * drafts kept per conversation, and messages in safe Markdown.
 */

const DAY_MS = 24 * 60 * 60_000;

interface Person {
  id: number;
  username: string;
  api: TRPCClient<AppRouter>;
}

/** Someone registered over the API (no browser), with a client of their own. */
async function apiUser(baseURL: string, prefix: string): Promise<Person> {
  const username = uniqueName(prefix);
  const session = await trpcOverHttp(baseURL, "").auth.register.mutate({ username, password: PASSWORD });
  return { id: session.user.id, username, api: trpcOverHttp(baseURL, session.token) };
}

/** The person signed up in `page`, with an API client of their own too. */
async function browserUser(page: Page, baseURL: string, prefix: string): Promise<Person> {
  const username = uniqueName(prefix);
  await signUp(page, username);
  const session = await trpcOverHttp(baseURL, "").auth.login.mutate({ login: username, password: PASSWORD });
  return { id: session.user.id, username, api: trpcOverHttp(baseURL, session.token) };
}

/**
 * Writes messages straight into the database, as the service does (sequence numbers, mentions),
 * past the send rate and telling no open page: for history set up before a page opens the room.
 * `at`, when given, is when they were written (one second apart from it).
 */
async function seed(db: Database, roomId: number, authorId: number, bodies: string[], at?: Date): Promise<number[]> {
  const ids: number[] = [];
  for (const [index, body] of bodies.entries()) {
    const message = await db.transaction((tx) => messages.appendMessage(tx, () => {}, { roomId, authorId, body }));
    if (at) await backdateMessage(db, message.id, new Date(at.getTime() + index * 1000));
    ids.push(message.id);
  }
  return ids;
}

const databaseOf = (db: Database | null): Database => {
  if (!db) throw new Error("these tests seed history in the scaled stack's database");
  return db;
};

const messageItem = (page: Page, text: string) => textMessages(page).filter({ hasText: text });

test("a room with many unread messages opens at 'New messages', marks read only what was seen, and jumps to the latest with a count", async ({
  page,
  baseURL,
  stack,
}) => {
  const db = databaseOf(stack.db);
  const alice = await browserUser(page, baseURL as string, "alice");
  const bob = await apiUser(baseURL as string, "bob");
  const name = uniqueName("busy");
  const roomId = await createRoom(page, name);
  await bob.api.rooms.join.mutate({ roomId });
  await page.goto("/chat");

  // Alice read the first few; then sixty more came while she was away.
  await seed(db, roomId, bob.id, ["read 1", "read 2", "read 3"]);
  const { lastSeq: readUpTo } = await bob.api.rooms.get.query({ roomId });
  await alice.api.rooms.markRead.mutate({ roomId, seq: readUpTo });
  await seed(
    db,
    roomId,
    bob.id,
    Array.from({ length: 60 }, (_, index) => `unread ${index + 1}`),
  );
  const unreadOfAlice = async () => (await alice.api.rooms.mine.query()).find((room) => room.id === roomId);
  expect(await unreadOfAlice()).toMatchObject({ unread: 60, lastReadSeq: readUpTo });

  await page.goto(`/chat/rooms/${roomId}`);
  const divider = messageLog(page)
    .getByRole("listitem")
    .filter({ hasText: /^New messages$/ });
  await expect(divider).toBeInViewport();
  await expect(messageItem(page, "unread 1").first()).toBeInViewport();
  await expect(messageItem(page, "unread 60")).not.toBeInViewport();
  // The divider is right before the first unread message (older pages were read to reach it).
  await expect(divider.locator("xpath=following-sibling::li[1]")).toContainText("unread 1");
  await expect(divider.locator("xpath=preceding-sibling::li[@data-kind='text'][1]")).toContainText("read 3");

  // What is on screen is read; the rest stays unread, on the server and in the sidebar.
  await expect.poll(async () => (await unreadOfAlice())?.lastReadSeq).toBeGreaterThan(readUpTo);
  const partly = await unreadOfAlice();
  expect(partly?.unread).toBeGreaterThan(0);
  expect(partly?.unread).toBeLessThan(60);
  const entry = conversationLink(sidebarList(page, "Rooms"), name);
  await expect(entry.getByRole("img", { name: `${partly?.unread} unread` })).toBeVisible();

  // "Jump to latest" tells how many new messages are below, and goes there.
  const jump = page.getByRole("button", { name: /^Jump to latest, \d+ new messages$/ });
  await expect(jump).toBeVisible();
  const below = Number((await jump.getAttribute("aria-label"))?.match(/(\d+) new/)?.[1]);
  expect(below).toBeGreaterThan(0);
  expect(below).toBeLessThanOrEqual(partly?.unread ?? 0);
  await expect(jump).toContainText(`${below} new`);
  await snapEveryWay(page, "timeline-unread", async () => {
    const scroller = page.getByRole("region", { name: "Chat history" });
    await scroller.evaluate((el) => {
      el.scrollTop = 0;
    });
    await divider.scrollIntoViewIfNeeded();
  });
  await divider.scrollIntoViewIfNeeded();
  await jump.click();
  await expect(messageItem(page, "unread 60")).toBeInViewport();
  await expect(page.getByRole("button", { name: /^Jump to latest/ })).toHaveCount(0);
  await expect.poll(async () => (await unreadOfAlice())?.unread).toBe(0);
  await expect(entry.getByRole("img", { name: /unread/ })).toHaveCount(0);

  // Scrolled up, a new message from Bob counts on the button, and does not scroll the page.
  await page.getByRole("region", { name: "Chat history" }).evaluate((el) => {
    el.scrollTop = 0;
  });
  await expect(page.getByRole("button", { name: "Jump to latest" })).toBeVisible();
  await bob.api.messages.send.mutate({ roomId, text: "while you were up there" });
  await expect(page.getByRole("button", { name: "Jump to latest, 1 new message" })).toBeVisible();
  await expect(messageItem(page, "while you were up there")).not.toBeInViewport();
  // Unread in the sidebar too (and the tab's title), since it was not seen; read once jumped to.
  await expect(entry.getByRole("img", { name: "1 unread" })).toBeVisible();
  await expect(page).toHaveTitle(/^\(1\) /);
  await page.getByRole("button", { name: "Jump to latest, 1 new message" }).click();
  await expect(entry.getByRole("img", { name: /unread/ })).toHaveCount(0);
  await expect.poll(async () => (await unreadOfAlice())?.unread).toBe(0);
});

test("day dividers say Today, Yesterday or the date, and a grouped message shows its time on hover and focus, the full date in its title", async ({
  page,
  baseURL,
  stack,
}) => {
  const db = databaseOf(stack.db);
  const dora = await browserUser(page, baseURL as string, "dora");
  const bob = await apiUser(baseURL as string, "bob");
  const roomId = await createRoom(page, uniqueName("days"));
  await bob.api.rooms.join.mutate({ roomId });
  const now = Date.now();
  await seed(db, roomId, bob.id, ["three days ago", "and a moment later"], new Date(now - 3 * DAY_MS));
  await seed(db, roomId, bob.id, ["said yesterday"], new Date(now - DAY_MS));
  // The notices of the room's creation and Bob's arrival are from three days ago too.
  const { items } = await bob.api.history.list.query({ roomId });
  for (const notice of items.filter((message) => message.kind === "system")) {
    await backdateMessage(db, notice.id, new Date(now - 3 * DAY_MS - 60_000));
  }
  await bob.api.messages.send.mutate({ roomId, text: "said today" });
  // Dora has read it all, so no "New messages" divider comes between the grouped messages below.
  // Her open page marks what it sees as the gap fills in, a second at most apart: a reload could
  // otherwise cut in after a mark that stopped at the first of them.
  const { lastSeq } = await bob.api.rooms.get.query({ roomId });
  await dora.api.rooms.markRead.mutate({ roomId, seq: lastSeq });
  await page.reload();

  const log = messageLog(page);
  await expect(messageItem(page, "said today")).toBeVisible();
  await expect(log.getByText("New messages")).toHaveCount(0);
  const days = log.getByRole("listitem").filter({ hasText: /^(Today|Yesterday|\w+, \w+ \d+)$/ });
  await expect(days).toHaveText([/^\w+day, \w+ \d+$/, "Yesterday", "Today"]);
  // Today's divider is right before today's message.
  await expect(days.nth(2).locator("xpath=following-sibling::li[@data-kind='text'][1]")).toContainText("said today");
  await expect(days.nth(0).locator("time")).toHaveAttribute("title", /\d{4}$/);

  // The second message of three days ago is grouped under the first: no name, its time hidden...
  const grouped = messageItem(page, "and a moment later");
  await expect(grouped).toHaveAttribute("data-continued", "true");
  const time = grouped.locator("time");
  await expect(time).toBeHidden();
  // ...shown while hovered, the full date and time in its title.
  await grouped.hover();
  await expect(time).toBeVisible();
  await expect(time).toHaveAttribute("title", /\d{4}/);
  await messageItem(page, "said today").hover();
  await expect(time).toBeHidden();
  // ...and while it has keyboard focus.
  await grouped.focus();
  await expect(time).toBeVisible();
  await snapEveryWay(page, "timeline-days");
});

test("a draft is kept per conversation and thread, across room switches and a reload, and goes once sent", async ({
  page,
  baseURL,
}) => {
  await browserUser(page, baseURL as string, "drafty");
  const first = uniqueName("first");
  const second = uniqueName("second");
  await createRoom(page, first);
  await createRoom(page, second);
  const rooms = sidebarList(page, "Rooms");

  await composer(page).fill("half a thought for the second room");
  await conversationLink(rooms, first).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(first);
  await expect(composer(page)).toHaveValue("");
  await composer(page).fill("a *draft* for the first room");

  await conversationLink(rooms, second).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(second);
  await expect(composer(page)).toHaveValue("half a thought for the second room");
  await page.reload();
  await expect(composer(page)).toHaveValue("half a thought for the second room");
  await conversationLink(rooms, first).click();
  await expect(composer(page)).toHaveValue("a *draft* for the first room");

  // Sent, it is gone, also after a reload. (The box is shown, disabled, until the room's members
  // are known: the draft is in it from the start.)
  await expect(composer(page)).toBeEnabled();
  await composer(page).press("Enter");
  await expect(messageItem(page, "a draft for the first room")).toHaveCount(1);
  await expect(composer(page)).toHaveValue("");
  await page.reload();
  await expect(messageItem(page, "a draft for the first room")).toHaveCount(1);
  await expect(composer(page)).toHaveValue("");

  // A thread keeps its own draft: closed and opened again, even after a reload.
  const openThread = async () => {
    const message = messageItem(page, "a draft for the first room");
    await message.hover();
    await message.getByRole("toolbar").getByRole("button", { name: "Reply in thread", exact: true }).click();
    return page.getByRole("region", { name: /^Thread/ }).getByRole("textbox", { name: "Reply" });
  };
  await (await openThread()).fill("a reply not sent yet");
  await page.getByRole("button", { name: "Close thread" }).click();
  await expect(composer(page)).toHaveValue("");
  await page.reload();
  await expect(await openThread()).toHaveValue("a reply not sent yet");
});

test("messages are safe Markdown with their mentions and links, the same in the room, a thread and the pinned list", async ({
  page,
  baseURL,
}) => {
  const alice = await browserUser(page, baseURL as string, "alice");
  const bob = await apiUser(baseURL as string, "bob");
  const roomId = await createRoom(page, uniqueName("md"));
  await bob.api.rooms.join.mutate({ roomId });
  const longLine = `const line = "${"a long code line that must scroll ".repeat(8)}";`;
  const formatted = await bob.api.messages.send.mutate({
    roomId,
    text: [
      `**bold words** and _slanted words_ and \`inline code\`, **@${alice.username}** see https://example.com/page`,
      "",
      "```",
      longLine,
      "```",
      "",
      "> a quoted line",
      "",
      "- first item",
      "- second item",
      "",
      "[a safe link](https://example.org/) and [a bad link](javascript:alert(1))",
    ].join("\n"),
  });
  await bob.api.messages.send.mutate({
    roomId,
    text: `<script>window.__parleyXss = 1</script> <img src=x onerror="window.__parleyXss = 2"> <b>not bold</b>`,
  });
  await bob.api.messages.pin.mutate({ messageId: formatted.id });
  await bob.api.messages.send.mutate({ roomId, parentId: formatted.id, text: "a reply with **strong words**" });

  const item = messageItem(page, "bold words");
  await expect(item.getByRole("strong").filter({ hasText: "bold words" })).toBeVisible();
  await expect(item.getByRole("emphasis").filter({ hasText: "slanted words" })).toBeVisible();
  await expect(item.getByRole("code").filter({ hasText: "inline code" })).toBeVisible();
  await expect(item.getByRole("code").filter({ hasText: "a long code line" })).toBeVisible();
  await expect(item.getByRole("blockquote")).toHaveText("a quoted line");
  await expect(item.getByRole("list").getByRole("listitem")).toHaveText(["first item", "second item"]);
  // The mention is marked, inside the bold; it is mine.
  await expect(item.getByRole("strong").locator("mark[data-me]")).toHaveText(`@${alice.username}`);
  // Links open in a new tab and tell the site nothing; a javascript: link is only words.
  const links: [string, string][] = [
    ["https://example.com/page", "https://example.com/page"],
    ["a safe link", "https://example.org/"],
  ];
  for (const [name, href] of links) {
    const link = item.getByRole("link", { name });
    await expect(link).toHaveAttribute("href", href);
    await expect(link).toHaveAttribute("target", "_blank");
    await expect(link).toHaveAttribute("rel", /noopener noreferrer/);
  }
  await expect(item.getByRole("link", { name: "a bad link" })).toHaveCount(0);
  await expect(item.getByText("a bad link")).toBeVisible();

  // HTML in a message is shown as typed, never run or drawn.
  const html = messageItem(page, "__parleyXss");
  await expect(html).toContainText(`<script>window.__parleyXss = 1</script>`);
  await expect(html).toContainText(`<img src=x onerror="window.__parleyXss = 2">`);
  await expect(html.locator("img, script, b")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { __parleyXss?: number }).__parleyXss)).toBeUndefined();

  // The same rendering in the thread and in the pinned list.
  await item.getByRole("button", { name: /1 reply/ }).click();
  const thread = page.getByRole("region", { name: /^Thread/ });
  await expect(thread.getByRole("strong").filter({ hasText: "strong words" })).toBeVisible();
  await expect(thread.getByRole("blockquote")).toHaveText("a quoted line");
  await thread.getByRole("button", { name: "Close thread" }).click();
  await page.getByRole("button", { name: "Pinned messages" }).click();
  const pinned = page.getByRole("dialog", { name: "Pinned messages" });
  await expect(pinned.getByRole("strong").filter({ hasText: "bold words" })).toBeVisible();
  await expect(pinned.locator("mark[data-me]")).toHaveText(`@${alice.username}`);
  await pinned.getByRole("button", { name: "Close" }).click();

  // An edited message says so on the line of its text.
  const note = await bob.api.messages.send.mutate({ roomId, text: "a **short** note" });
  await bob.api.messages.edit.mutate({ messageId: note.id, text: "a **short** note, fixed" });
  const edited = messageItem(page, "note, fixed");
  await expect(edited.getByText("(edited)")).toBeVisible();
  const lineOf = async (text: string) => (await edited.getByText(text, { exact: true }).boundingBox())?.y;
  expect(await lineOf("(edited)")).toBeCloseTo((await lineOf("short")) ?? 0, -1);

  // A long code line scrolls inside its block: the page never gets wider than a phone.
  await snapEveryWay(page, "timeline-markdown", async () => {
    await item.scrollIntoViewIfNeeded();
    const code = item.locator("pre");
    expect(await code.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });
});
