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
});
