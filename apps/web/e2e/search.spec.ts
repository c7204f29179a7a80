import type { AppRouter } from "@parley/api";
import type { Page } from "@playwright/test";
import { type TRPCClient, TRPCClientError } from "@trpc/client";
import { expect, test } from "./fixtures";
import { restLogin, restRegister, trpcOverHttp } from "./outside-client";
import {
  expectConnected,
  messageLog,
  PASSWORD,
  signUpAliceAndBob,
  snapEveryWay,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * Search in the browser (issue 16): the header's search (Ctrl/Cmd+K, `/`), results grouped by room
 * with their matches marked, the `in:` and `from:` filters, keyboard to a result older than a page of
 * history and the room opened around it, edits and deletions as search sees them at once, and the
 * empty state. The messages are sent through tRPC over HTTP, as a script would, for speed.
 */
test.describe.configure({ mode: "serial" });

type Client = TRPCClient<AppRouter>;

const searchDialog = (page: Page) => page.getByRole("dialog", { name: "Search messages" });
const searchBox = (page: Page) => searchDialog(page).getByRole("combobox", { name: "Search messages" });
const results = (page: Page) => searchDialog(page).getByRole("listbox", { name: "Results" });
const options = (page: Page) => results(page).getByRole("option");
const searchStatus = (page: Page) => searchDialog(page).getByRole("status");

/** Opens the search with Ctrl+K (from wherever focus is) and types `text` in it. */
async function search(page: Page, text: string): Promise<void> {
  if (!(await searchDialog(page).isVisible())) await page.keyboard.press("Control+k");
  await expect(searchBox(page)).toBeFocused();
  await searchBox(page).fill(text);
}

/**
 * Sends each text in turn, the senders taking turns; a sender refused for going too fast (the
 * per-room message limit) waits as long as the server says and sends again.
 */
async function sendAll(senders: Client[], roomId: number, texts: string[], parentId?: number): Promise<void> {
  for (const [index, text] of texts.entries()) {
    const sender = senders[index % senders.length] as Client;
    for (;;) {
      try {
        await sender.messages.send.mutate({
          roomId,
          text,
          clientId: crypto.randomUUID(),
          ...(parentId ? { parentId } : {}),
        });
        break;
      } catch (error) {
        if (!(error instanceof TRPCClientError) || error.data?.code !== "TOO_MANY_REQUESTS") throw error;
        const seconds = Number(/(\d+) seconds?/.exec(error.message)?.[1] ?? "1");
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      }
    }
  }
}

let alice: Page;
let aliceName: string;
let bobName: string;
let alicesApi: Client;
let bobsApi: Client;
let carolsApi: Client;
/** A word only this run's messages hold. */
const word = uniqueName("tulip");
const gardenName = uniqueName("garden");
const kitchenName = uniqueName("kitchen");
let gardenId: number;
let kitchenId: number;

test.beforeAll(async ({ browser, stack }) => {
  const aliceContext = await browser.newContext({ baseURL: stack.webUrl });
  const bobContext = await browser.newContext({ baseURL: stack.webUrl });
  alice = await aliceContext.newPage();
  const bob = await bobContext.newPage();
  ({ aliceName, bobName } = await signUpAliceAndBob(alice, bob));
  await bobContext.close();
  alicesApi = trpcOverHttp(stack.webUrl, await restLogin(stack.webUrl, aliceName, PASSWORD));
  bobsApi = trpcOverHttp(stack.webUrl, await restLogin(stack.webUrl, bobName, PASSWORD));
  carolsApi = trpcOverHttp(stack.webUrl, await restRegister(stack.webUrl, uniqueName("carol"), PASSWORD));

  gardenId = (await alicesApi.rooms.create.mutate({ name: gardenName })).id;
  kitchenId = (await alicesApi.rooms.create.mutate({ name: kitchenName })).id;
  for (const roomId of [gardenId, kitchenId]) await bobsApi.rooms.join.mutate({ roomId });
  const direct = await alicesApi.direct.open.mutate({ user: { username: bobName } });
  await sendAll([alicesApi], gardenId, [`the ${word} bed needs water`, "nothing to find here"]);
  await sendAll([bobsApi], gardenId, [`I planted a ${word} today`]);
  await sendAll([bobsApi], kitchenId, [`a ${word} soup, strange but true`]);
  await sendAll([alicesApi], direct.room.id, [`a ${word} for you`]);
});

test.afterAll(async () => {
  await alice.context().close();
});

test("a word finds messages in rooms and a direct conversation, grouped by room, the matches marked; in: and from: narrow it", async () => {
  await alice.goto("/chat");
  await expectConnected(alice);
  // `/` opens the search too (outside a text field).
  await alice.locator("body").press("/");
  await expect(searchBox(alice)).toBeFocused();
  await searchBox(alice).fill(word);

  await expect(options(alice)).toHaveCount(4);
  await expect(searchStatus(alice)).toHaveText(`4 results for “${word}”.`);
  const garden = results(alice).getByRole("group", { name: `#${gardenName}` });
  const kitchen = results(alice).getByRole("group", { name: `#${kitchenName}` });
  const direct = results(alice).getByRole("group", { name: `Direct message with ${bobName}` });
  await expect(garden.getByRole("option")).toHaveCount(2);
  await expect(kitchen.getByRole("option")).toHaveCount(1);
  await expect(direct.getByRole("option")).toHaveCount(1);
  // Newest first within the room; each match marked.
  await expect(garden.getByRole("option")).toHaveText([
    new RegExp(`^${bobName} .*planted a ${word} today`),
    new RegExp(`^${aliceName} .*${word} bed needs water`),
  ]);
  await expect(results(alice).locator("mark")).toHaveText(Array(4).fill(word));

  // The filters, typed: the server's understanding shows as chips, and the controls follow the text.
  await searchBox(alice).fill(`in:#${gardenName} ${word}`);
  await expect(options(alice)).toHaveCount(2);
  await expect(searchDialog(alice).getByRole("list", { name: "Filters understood" })).toHaveText(`in #${gardenName}`);
  await searchBox(alice).fill(`${word} from:@${bobName}`);
  await expect(options(alice)).toHaveText([/soup, strange but true/, /planted a/]);

  // The same filter from the controls writes it into the text.
  await searchBox(alice).fill(word);
  await expect(options(alice)).toHaveCount(4);
  await searchDialog(alice).getByText("Filters", { exact: true }).click();
  await searchDialog(alice).getByLabel("In", { exact: true }).selectOption(`#${kitchenName}`);
  await expect(searchBox(alice)).toHaveValue(`${word} in:#${kitchenName}`);
  await expect(options(alice)).toHaveCount(1);
  await searchDialog(alice).getByLabel("In", { exact: true }).selectOption("");
  await expect(options(alice)).toHaveCount(4);

  await searchBox(alice).press("ArrowDown");
  await expect(options(alice).first()).toHaveAttribute("aria-selected", "true");
  await snapEveryWay(alice, "search-results");

  // The open search is in the page's URL: a reload (or the link, shared) opens it again.
  await expect(alice).toHaveURL(new RegExp(`/chat\\?search=${word}$`));
  await alice.reload();
  await expect(searchBox(alice)).toHaveValue(word);
  await expect(options(alice)).toHaveCount(4);

  // Escape closes the search (and takes it out of the URL).
  await searchBox(alice).press("Escape");
  await expect(searchDialog(alice)).toBeHidden();
  await expect(alice).toHaveURL(/\/chat$/);
  // Opened from the header's button, the search gives focus back to it on Escape.
  const button = alice.getByRole("banner").getByRole("button", { name: "Search messages" });
  await button.click();
  await expect(searchBox(alice)).toBeFocused();
  await alice.keyboard.press("Escape");
  await expect(button).toBeFocused();
});

test("keyboard to a result older than a page of history: the room opens around it, and scrolling down reaches the live end", async () => {
  const needle = uniqueName("needle");
  const archiveName = uniqueName("archive");
  const archiveId = (await alicesApi.rooms.create.mutate({ name: archiveName })).id;
  for (const api of [bobsApi, carolsApi]) await api.rooms.join.mutate({ roomId: archiveId });
  await sendAll([alicesApi], archiveId, [`the ${needle} is in this haystack`]);
  const fillers = Array.from({ length: 64 }, (_, index) => `straw ${index + 1}`);
  await sendAll([alicesApi, bobsApi, carolsApi], archiveId, fillers);

  await alice.goto("/chat");
  await expectConnected(alice);
  await search(alice, needle);
  await expect(options(alice)).toHaveCount(1);
  await searchBox(alice).press("ArrowDown");
  await expect(options(alice).first()).toHaveAttribute("aria-selected", "true");
  await searchBox(alice).press("Enter");

  await expect(alice).toHaveURL(new RegExp(`/chat/rooms/${archiveId}\\?at=\\d+$`));
  await expect(searchDialog(alice)).toBeHidden();
  const found = textMessages(alice).filter({ hasText: `the ${needle} is in this haystack` });
  await expect(found).toBeInViewport();
  await expect(found).toHaveAttribute("data-found", "true");
  await expect(found).toBeFocused();
  // A window around it, not the newest page.
  await expect(textMessages(alice).filter({ hasText: /^straw 64$/ })).toHaveCount(0);
  await snapEveryWay(alice, "search-jump");

  // Scrolling down pages newer messages in until the newest; then the stream is live again.
  const history = alice.getByRole("region", { name: "Chat history" });
  const newest = textMessages(alice).filter({ hasText: "straw 64" });
  await expect(async () => {
    await history.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect(newest).toBeVisible({ timeout: 500 });
  }).toPass();
  await expect(textMessages(alice)).toHaveCount(65);
  await sendAll([bobsApi], archiveId, ["a new message, live"]);
  await expect(messageLog(alice).getByText("a new message, live")).toBeVisible();
  await expect(textMessages(alice)).toHaveCount(66);
});

test("a reply found opens its thread, the reply highlighted", async () => {
  const echo = uniqueName("echo");
  const parent = await alicesApi.messages.send.mutate({
    roomId: kitchenId,
    text: "who has the recipe?",
    clientId: crypto.randomUUID(),
  });
  await bobsApi.messages.send.mutate({
    roomId: kitchenId,
    parentId: parent.id,
    text: `the ${echo} recipe is in the drawer`,
    clientId: crypto.randomUUID(),
  });
  await alice.goto("/chat");
  await expectConnected(alice);
  await search(alice, echo);
  await expect(options(alice)).toHaveText([/reply in a thread/]);
  await options(alice).first().click();
  await expect(alice).toHaveURL(new RegExp(`/chat/rooms/${kitchenId}\\?at=\\d+$`));
  const thread = alice.getByRole("region", { name: /^Thread/ });
  const reply = thread.getByRole("log", { name: "Replies" }).locator("li", { hasText: `the ${echo} recipe` });
  await expect(reply).toHaveAttribute("data-found", "true");
  await expect(reply).toBeFocused();
  await expect(textMessages(alice).filter({ hasText: "who has the recipe?" })).toBeVisible();
});

test("a reply found beyond its thread's first page: the thread pages on to it, highlighted and focused", async () => {
  const foxtrot = uniqueName("foxtrot");
  const parent = await alicesApi.messages.send.mutate({
    roomId: kitchenId,
    text: "a long thread about ovens",
    clientId: crypto.randomUUID(),
  });
  const fillers = Array.from({ length: 55 }, (_, i) => `oven note ${i + 1}`);
  await sendAll([alicesApi, bobsApi], kitchenId, [...fillers, `the ${foxtrot} oven is the one`], parent.id);
  await alice.goto("/chat");
  await expectConnected(alice);
  await search(alice, foxtrot);
  await expect(options(alice)).toHaveText([/reply in a thread/]);
  await options(alice).first().click();
  const thread = alice.getByRole("region", { name: /^Thread/ });
  const reply = thread.getByRole("log", { name: "Replies" }).locator("li", { hasText: `the ${foxtrot} oven` });
  await expect(reply).toHaveAttribute("data-found", "true");
  await expect(reply).toBeFocused();
});

test("an edited message is found by its new text only, a deleted one not at all; the empty state names the search", async () => {
  const before = uniqueName("draft");
  const after = uniqueName("final");
  const sent = await alicesApi.messages.send.mutate({
    roomId: gardenId,
    text: `the ${before} text`,
    clientId: crypto.randomUUID(),
  });
  await alice.goto("/chat");
  await expectConnected(alice);
  await search(alice, before);
  await expect(options(alice)).toHaveCount(1);

  await alicesApi.messages.edit.mutate({ messageId: sent.id, text: `the ${after} text` });
  await searchBox(alice).fill(after);
  await expect(options(alice)).toHaveText([new RegExp(`${after} text$`)]);
  await searchBox(alice).fill(before);
  await expect(searchStatus(alice)).toHaveText(`No messages match “${before}”.`);
  await expect(options(alice)).toHaveCount(0);
  await snapEveryWay(alice, "search-empty");

  await alicesApi.messages.delete.mutate({ messageId: sent.id });
  await searchBox(alice).fill(after);
  await expect(searchStatus(alice)).toHaveText(`No messages match “${after}”.`);
  await expect(options(alice)).toHaveCount(0);
});
