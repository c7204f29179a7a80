import { expect, test } from "./fixtures";

/**
 * The harness itself, whatever the UI holds: the scaled stack serves its pages to the browser, the
 * realtime process takes WebSockets from the web origin, and comes back on the same port after a
 * restart. (The all-in-one stack's own check is in all-in-one.spec.ts.)
 */
test.describe("the scaled stack: a web process and a realtime process", () => {
  test("serves the landing page to the browser", async ({ page }) => {
    const response = await page.goto("/");
    expect(response?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  });

  test("the realtime process accepts WebSockets from the web origin, before and after a restart on the same port", async ({
    page,
    realtime,
  }) => {
    await page.goto("/");
    const wsUrl = `${realtime.url.replace(/^http/, "ws")}/trpc`;
    const firstEvent = () =>
      page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => {
              resolve("open");
              socket.close();
            };
            socket.onclose = (event) => resolve(`closed with ${event.code}`);
          }),
        wsUrl,
      );
    expect(await firstEvent()).toBe("open");
    await realtime.stop();
    expect(await firstEvent()).toBe("closed with 1006");
    await realtime.start();
    expect(await firstEvent()).toBe("open");
  });
});
