import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { trpcOverHttp } from "./outside-client";
import {
  alerts,
  composer,
  createRoom,
  messageLog,
  openMyProfile,
  PASSWORD,
  roomIdOf,
  sendMessage,
  signUp,
  snapEveryWay,
  uniqueName,
} from "./parley-ui";

/** History reads go over HTTP; tRPC batch requests carry the procedure in the path. */
const HISTORY_REQUESTS = "**/trpc/*history.list*";
const SEND_REQUESTS = "**/trpc/*messages.send*";
const BEGINNING = "The beginning of this conversation";

/** Signs up in the browser and gives a script of the same person (over HTTP), e.g. to set a display name. */
async function signUpWithScript(page: Page, baseURL: string, username: string) {
  await signUp(page, username);
  const { token } = await trpcOverHttp(baseURL, "").auth.login.mutate({ login: username, password: PASSWORD });
  return trpcOverHttp(baseURL, token);
}

test("a room's history shows loading while it loads, an empty room says so, and only a whole history shows its beginning", async ({
  page,
}) => {
  await signUp(page, uniqueName("empty"));
  await createRoom(page, uniqueName("quiet"));
  const emptyNote = messageLog(page).locator("..").getByText("No messages yet");
  await expect(emptyNote).toBeVisible();
  await expect(page.getByText(BEGINNING)).toHaveCount(0);
  await snapEveryWay(page, "room-empty");

  // The history's answer is held back: the room says it is loading, not that it is empty or complete.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(HISTORY_REQUESTS, async (route) => {
    await held;
    await route.continue();
  });
  await page.reload();
  const loading = page.getByRole("status").filter({ hasText: "Loading messages…" });
  await expect(loading).toBeVisible();
  await expect(emptyNote).toHaveCount(0);
  await expect(page.getByText(BEGINNING)).toHaveCount(0);
  await snapEveryWay(page, "room-loading");
  release();
  await expect(emptyNote).toBeVisible();
  await expect(loading).toHaveCount(0);
  await page.unroute(HISTORY_REQUESTS);

  // With a message, and the whole history loaded, the beginning is shown and the empty note is gone.
  await sendMessage(page, "the first word");
  await expect(emptyNote).toHaveCount(0);
  await page.reload();
  await expect(messageLog(page).getByText("the first word")).toBeVisible();
  await expect(page.getByText(BEGINNING)).toBeVisible();
});

test("a public room I have not joined shows its name, its members and a Join button, not a conversation", async ({
  page,
  newPage,
}) => {
  await signUp(page, uniqueName("host"));
  const name = uniqueName("open");
  const roomId = await createRoom(page, name);
  await sendMessage(page, "members only words");

  const visitor = await newPage();
  await signUp(visitor, uniqueName("visitor"));
  await visitor.goto(`/chat/rooms/${roomId}`);
  await expect(visitor.getByRole("heading", { level: 1 })).toHaveText(name);
  const conversation = visitor.locator(".room-conversation");
  await expect(conversation.getByText("1 member.")).toBeVisible();
  await expect(conversation.getByText("Join to read this room's messages.")).toBeVisible();
  await expect(visitor.getByText(BEGINNING)).toHaveCount(0);
  await expect(visitor.getByText("No messages yet")).toHaveCount(0);
  await expect(visitor.getByRole("status").filter({ hasText: "Loading messages…" })).toHaveCount(0);
  await snapEveryWay(visitor, "room-not-joined");

  await visitor.getByRole("button", { name: `Join ${name}`, exact: true }).click();
  await expect(messageLog(visitor).getByText("members only words")).toBeVisible();
  await expect(visitor.getByText(BEGINNING)).toBeVisible();
});

test("my pending and queued messages show my display name and initials, as my stored ones do", async ({
  page,
  baseURL,
}) => {
  const me = await signUpWithScript(page, baseURL as string, uniqueName("quill"));
  await me.profile.update.mutate({ displayName: "Zed Quill" });
  await createRoom(page, uniqueName("named"));
  await sendMessage(page, "stored with my name");
  // A page opened after the name was set: it knows my name from the room, not from a change it heard.
  await page.reload();
  const stored = messageLog(page).locator('li[data-kind="text"]').filter({ hasText: "stored with my name" });
  await expect(stored.locator(".pl-message-author")).toHaveText("Zed Quill");

  // Sends are lost on the way: the message waiting for the connection is drawn with the same name and initials.
  await page.route(SEND_REQUESTS, (route) => route.abort("internetdisconnected"));
  await composer(page).fill("not sent yet");
  await composer(page).press("Enter");
  const queued = messageLog(page).locator('li[data-status="queued"]');
  await expect(queued).toHaveCount(1);
  await expect(queued.locator(".pl-message-author")).toHaveText("Zed Quill");
  await expect(queued.locator(".pl-avatar")).toHaveText("ZQ");
  await page.unroute(SEND_REQUESTS);
  // It goes out by itself once the way is clear.
  await expect(queued).toHaveCount(0);

  // A pending one too: its send is held until it has been looked at.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(SEND_REQUESTS, async (route) => {
    await held;
    await route.continue();
  });
  await composer(page).fill("on its way");
  await composer(page).press("Enter");
  const pending = messageLog(page).locator('li[data-status="pending"]');
  await expect(pending).toHaveCount(1);
  await expect(pending.locator(".pl-message-author")).toHaveText("Zed Quill");
  await expect(pending.locator(".pl-avatar")).toHaveText("ZQ");
  release();
  await expect(pending).toHaveCount(0);
  await page.unroute(SEND_REQUESTS);
});

test("join and rename notices name people by their display name, as messages do", async ({
  page,
  newPage,
  baseURL,
}) => {
  await signUp(page, uniqueName("owner"));
  const name = uniqueName("notices");
  const roomId = await createRoom(page, name);

  const guest = await newPage();
  const guestName = uniqueName("guest");
  const guestScript = await signUpWithScript(guest, baseURL as string, guestName);
  await guestScript.profile.update.mutate({ displayName: "Greta Guest" });
  await guest.goto(`/chat/rooms/${roomId}`);
  await guest.getByRole("button", { name: `Join ${name}`, exact: true }).click();
  await expect(guest.locator("li.pl-notice").filter({ hasText: "joined the room" })).toHaveCount(1);

  const notices = messageLog(page).locator("li.pl-notice");
  await expect(notices.filter({ hasText: "Greta Guest joined the room" })).toHaveCount(1);
  await expect(notices.filter({ hasText: `${guestName} joined the room` })).toHaveCount(0);

  const renamed = `${guestName}x`;
  await guestScript.profile.rename.mutate({ username: renamed });
  await expect(
    notices.filter({ hasText: `Greta Guest changed their username from ${guestName} to ${renamed}` }),
  ).toHaveCount(1);
  await page.reload();
  await expect(notices.filter({ hasText: "Greta Guest joined the room" })).toHaveCount(1);
  await expect(roomIdOf(page)).resolves.toBe(roomId);
});

test("saving my username unchanged says nothing changed, and asks the server nothing", async ({ page }) => {
  const username = uniqueName("same");
  await signUp(page, username);
  await openMyProfile(page);
  let renames = 0;
  await page.route("**/trpc/*profile.rename*", (route) => {
    renames++;
    return route.continue();
  });
  const field = page.getByLabel("Username", { exact: true });
  await expect(field).toHaveValue(username);
  await field.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "That is already your username." })).toBeVisible();
  await expect(page.getByText("Username changed.")).toHaveCount(0);
  expect(renames).toBe(0);
});

test("a sign-up error goes away once the form changes", async ({ page, newPage }) => {
  const taken = uniqueName("taken");
  await signUp(page, taken);

  const other = await newPage();
  await other.goto("/signup");
  await other.getByLabel("Username", { exact: true }).fill(taken);
  await other.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await other.getByRole("button", { name: "Create account" }).click();
  await expect(alerts(other)).toHaveCount(1);
  await other.getByLabel("Username", { exact: true }).fill(uniqueName("fresh"));
  await expect(alerts(other)).toHaveCount(0);
});
