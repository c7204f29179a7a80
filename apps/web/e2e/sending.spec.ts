import { MAX_MESSAGE_LENGTH } from "@parley/api/schemas";
import { expect, test } from "./fixtures";
import { trpcOverHttp } from "./outside-client";
import {
  composer,
  conversationLink,
  createRoom,
  expectMessages,
  messageLog,
  PASSWORD,
  roomIdOf,
  sendMessage,
  sidebarList,
  signIn,
  signOut,
  signUp,
  textMessages,
  uniqueName,
} from "./parley-ui";

/** Sends over HTTP from the page: its tRPC batch requests carry the procedure in the path. */
const SEND_REQUESTS = "**/trpc/*messages.send*";

test("a send the server refuses is marked Not sent, and Retry delivers it once", async ({ page }) => {
  await signUp(page, uniqueName("retry"));
  await createRoom(page, uniqueName("flaky"));
  await sendMessage(page, "first, while all is well");

  // On the way, the text of every send grows past what the server accepts, which refuses it in words.
  await page.route(SEND_REQUESTS, (route) =>
    route.continue({
      postData: (route.request().postData() ?? "").replace("second, refused", "x".repeat(MAX_MESSAGE_LENGTH + 1)),
    }),
  );
  await composer(page).fill("second, refused");
  await composer(page).press("Enter");
  const failed = messageLog(page).locator('li[data-status="failed"]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText("second, refused");
  await expect(failed.getByRole("alert")).toContainText(`message must be at most ${MAX_MESSAGE_LENGTH} characters`);
  await expect(messageLog(page).locator('li[data-status="queued"]')).toHaveCount(0);

  await page.unroute(SEND_REQUESTS);
  await failed.getByRole("button", { name: "Retry" }).click();
  await expectMessages(page, ["first, while all is well", "second, refused"]);

  // The server stored it once: a reload shows the same.
  await page.reload();
  await expectMessages(page, ["first, while all is well", "second, refused"]);
});

test("a send lost on the way waits for the connection, outlives a room switch and a reload, and goes out by itself once", async ({
  page,
}) => {
  await signUp(page, uniqueName("lost"));
  const roomName = uniqueName("void");
  await createRoom(page, roomName);
  await sendMessage(page, "first, while all is well");

  // The network drops every send for a while (the browser still believes it is online).
  await page.route(SEND_REQUESTS, (route) => route.abort("internetdisconnected"));
  await composer(page).fill("second, into the void");
  await composer(page).press("Enter");
  const queued = messageLog(page).locator('li[data-status="queued"]');
  await expect(queued).toHaveCount(1);
  await expect(queued).toContainText("Waiting for connection…");
  // Away to another page and back: the queue is the tab's, not the room view's.
  await page.getByRole("link", { name: "Browse rooms" }).click();
  await expect(page).toHaveURL(/\/chat\/browse$/);
  await conversationLink(sidebarList(page, "Rooms"), roomName).click();
  await expect(queued).toContainText("second, into the void");
  await page.reload();
  await expect(queued).toContainText("second, into the void");

  await page.unroute(SEND_REQUESTS);
  await expectMessages(page, ["first, while all is well", "second, into the void"]);
  await page.reload();
  await expectMessages(page, ["first, while all is well", "second, into the void"]);
});

test("signing out drops the messages still waiting to be sent in the tab", async ({ page }) => {
  const name = uniqueName("leaver");
  await signUp(page, name);
  const roomName = uniqueName("parting");
  await createRoom(page, roomName);
  await page.route(SEND_REQUESTS, (route) => route.abort("internetdisconnected"));
  await composer(page).fill("better left unsent");
  await composer(page).press("Enter");
  const queued = messageLog(page).locator('li[data-status="queued"]');
  await expect(queued).toHaveCount(1);

  await signOut(page);
  await expect(page).toHaveURL(/\/signin$/);
  await page.unroute(SEND_REQUESTS);
  await signIn(page, name);
  await expect(page).toHaveURL(/\/chat$/);
  await conversationLink(sidebarList(page, "Rooms"), roomName).click();
  await expect(page.getByText("No messages yet. Say hello!")).toBeVisible();
  await expect(queued).toHaveCount(0);
  expect(
    await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith("parley:outbox"))),
  ).toEqual([]);
});

test("a send that finishes while signing out does not put the queue back", async ({ page, context }) => {
  await signUp(page, uniqueName("hasty"));
  await createRoom(page, uniqueName("parting"));
  // Offline, two messages wait in the tab's queue.
  await context.setOffline(true);
  for (const text of ["one, on its way", "two, left behind"]) {
    await composer(page).fill(text);
    await composer(page).press("Enter");
  }
  await expect(messageLog(page).locator('li[data-status="queued"]')).toHaveCount(2);

  // Back online, the first goes out and is held on the way; then sign-out starts, and is held too.
  const gate = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };
  const sends = gate();
  const sendSeen = gate();
  const signOutSeen = gate();
  const signOutGoes = gate();
  await page.route(SEND_REQUESTS, async (route) => {
    sendSeen.open();
    await sends.opened;
    await route.continue();
  });
  await page.route("**/api/auth/signout", async (route) => {
    signOutSeen.open();
    await signOutGoes.opened;
    await route.continue();
  });
  await context.setOffline(false);
  await sendSeen.opened;
  await signOut(page);
  await signOutSeen.opened;

  // The first send is answered while the sign-out is on its way: the queue stays forgotten.
  const answered = page.waitForResponse(SEND_REQUESTS);
  sends.open();
  await (await answered).finished();
  // The page's turn to handle the answer (a frame, then its tasks), then: nothing kept.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
  expect(
    await page.evaluate(() => Object.keys(sessionStorage).filter((key) => key.startsWith("parley:outbox"))),
  ).toEqual([]);
  signOutGoes.open();
  await expect(page).toHaveURL(/\/signin$/);
});

test("a retry after a lost answer does not post twice: the client id makes the send idempotent", async ({ page }) => {
  await signUp(page, uniqueName("twice"));
  await createRoom(page, uniqueName("echo"));

  // The request reaches the server, but its answer is lost on the way back, again and again.
  let dropped = 0;
  await page.route(SEND_REQUESTS, async (route) => {
    await route.fetch();
    dropped++;
    await route.abort("connectionreset");
  });
  await composer(page).fill("said exactly once");
  await composer(page).press("Enter");
  // The live stream brings the server's copy, which replaces the optimistic one; the page keeps
  // sending it (the answer never came), under the same client id.
  await expect.poll(() => dropped).toBeGreaterThanOrEqual(2);
  await expectMessages(page, ["said exactly once"]);
  await page.unroute(SEND_REQUESTS);
  await page.reload();
  await expectMessages(page, ["said exactly once"]);
});

test("scrolling up loads older history, each message once and in order", async ({ page, baseURL }) => {
  const name = uniqueName("archivist");
  await signUp(page, name);
  const roomId = await createRoom(page, uniqueName("annals"));
  expect(await roomIdOf(page)).toBe(roomId);

  // 120 messages from a script: more than one page (50) of history.
  const { token } = await trpcOverHttp(baseURL as string, "").auth.login.mutate({ login: name, password: PASSWORD });
  const script = trpcOverHttp(baseURL as string, token);
  const bodies = Array.from({ length: 120 }, (_, i) => `entry ${String(i + 1).padStart(3, "0")}`);
  for (const text of bodies) await script.messages.send.mutate({ roomId, text });
  await page.reload();
  await expect(textMessages(page).last()).toContainText("entry 120");

  // Scroll to the top until the whole history is there.
  await expect(async () => {
    await textMessages(page).first().scrollIntoViewIfNeeded();
    await expect(textMessages(page)).toHaveCount(bodies.length, { timeout: 1000 });
  }).toPass();
  await expectMessages(page, bodies);
  await expect(page.getByText("The beginning of this conversation")).toBeVisible();
});

test("message text is shown as text: markup stays inert, web links are clickable, script links are not", async ({
  page,
}) => {
  await signUp(page, uniqueName("plain"));
  await createRoom(page, uniqueName("safe"));
  const markup = `<img src=x onerror="document.title='pwned'"><b>bold?</b>`;
  const text = `${markup} see https://example.com/docs?a=1 or javascript:alert(1)`;
  await sendMessage(page, text);
  const message = textMessages(page).filter({ hasText: "bold?" });
  await expect(message).toContainText(markup);
  await expect(message.locator("img, b")).toHaveCount(0);
  const links = message.getByRole("link");
  await expect(links).toHaveCount(1);
  await expect(links).toHaveAttribute("href", "https://example.com/docs?a=1");
  await expect(links).toHaveAttribute("rel", /noopener/);
  expect(await page.title()).not.toBe("pwned");
});
