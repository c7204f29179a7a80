import { expect, test } from "./fixtures";
import { createRoom, expectConnected, expectMessages, sendMessage, signUp, uniqueName } from "./parley-ui";

test.use({ stackMode: "all-in-one" });

/** The whole of Parley in one process: no PostgreSQL, no Redis, WebSockets on the page's own origin. */
test.describe("the all-in-one process", () => {
  test("serves the landing page to the browser", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  });

  test("a new user signs up, creates a room and sends a message that stays after a reload", async ({ page }) => {
    await signUp(page, uniqueName("solo"));
    await expectConnected(page);
    await createRoom(page, uniqueName("aio"));

    const text = `hello from one process ${uniqueName("")}`;
    await sendMessage(page, text);
    await expectMessages(page, [text]);
    await page.reload();
    await expectMessages(page, [text]);
  });

  test("answers the page's keep-alive: the browser's PING gets a PONG, and the link stays up", async ({ page }) => {
    const socket = page.waitForEvent("websocket", (ws) => new URL(ws.url()).pathname === "/trpc");
    await signUp(page, uniqueName("pinger"));
    const ws = await socket;
    // The page pings after a few seconds without a frame from the server (KEEP_ALIVE in link-health.ts).
    const ping = ws.waitForEvent("framesent", { predicate: (frame) => frame.payload === "PING", timeout: 15_000 });
    const pong = ws.waitForEvent("framereceived", { predicate: (frame) => frame.payload === "PONG", timeout: 20_000 });
    await Promise.all([ping, pong]);
    expect(ws.isClosed()).toBe(false);
    await expectConnected(page);
  });
});
