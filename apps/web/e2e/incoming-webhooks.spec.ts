import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { audit } from "./a11y";
import { expect, test } from "./fixtures";
import { createRoom, expectConnected, signUp, textMessages, uniqueName } from "./parley-ui";

/** Grafana's Slack contact point payload, as apps/realtime's tests post it. */
const grafana = readFileSync(
  fileURLToPath(new URL("../../realtime/test/fixtures/slack/grafana.json", import.meta.url)),
  "utf8",
);

test("the owner makes an incoming webhook, copies its URL once, and what Grafana posts shows under its name, marked bot; a new URL kills the old one; delete asks first", async ({
  page,
  baseURL,
}) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await signUp(page, uniqueName("owner"));
  await createRoom(page, uniqueName("alerts"));
  await expectConnected(page);

  await page.getByRole("button", { name: "Room settings" }).click();
  const settings = page.getByRole("dialog", { name: "Room settings" });
  const hooks = settings.getByRole("region", { name: "Incoming webhooks" });
  await expect(hooks.getByText("No webhooks yet.")).toBeVisible();
  await hooks.getByLabel("New webhook's name").fill("Grafana alerts");
  await hooks.getByRole("button", { name: "Create" }).click();
  const url = hooks.getByLabel("URL of Grafana alerts");
  await expect(url).toHaveValue(/\/hooks\/[0-9a-f-]{36}\/[A-Za-z0-9_-]{43}$/);
  const first = await url.inputValue();
  await hooks.getByRole("button", { name: "Copy" }).click();
  await expect(hooks.getByText("Copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
  await expect(hooks.getByRole("listitem")).toHaveCount(1);
  await expect(hooks.getByRole("listitem")).toContainText("Grafana alerts");

  const violations = await audit(page, "hooks-settings-url-shown");
  violations.push(
    ...(await audit(page, "hooks-settings-list", () => hooks.getByRole("listitem").scrollIntoViewIfNeeded())),
  );

  // Grafana posts; the owner's page shows it live, under the name it gave, marked bot.
  const posted = await fetch(first, { method: "POST", headers: { "content-type": "application/json" }, body: grafana });
  expect(await posted.text()).toBe("ok");
  await hooks.getByRole("button", { name: "Done" }).click();
  await expect(url).toHaveCount(0);
  await settings.getByRole("button", { name: "Cancel" }).click();
  await expect(settings).toHaveCount(0);
  const message = textMessages(page).last();
  await expect(message).toContainText("[FIRING:1] HighCPU (node-1 production)");
  await expect(message.locator(".pl-message-author")).toHaveText("Grafana");
  await expect(message.locator(".pl-bot-mark")).toHaveText("bot");
  await expect(message.getByRole("link", { name: "[FIRING:1] HighCPU (node-1 production)" })).toHaveAttribute(
    "href",
    "http://grafana.example.com/alerting/list",
  );
  violations.push(...(await audit(page, "hooks-message")));

  // A new URL: asked first; the old one is refused at once.
  await page.getByRole("button", { name: "Room settings" }).click();
  await hooks.getByRole("button", { name: "New URL for Grafana alerts" }).click();
  const confirmRotate = page.getByRole("dialog", { name: "New URL for Grafana alerts?" });
  violations.push(...(await audit(page, "hooks-confirm-rotate")));
  await confirmRotate.getByRole("button", { name: "Replace URL" }).click();
  await expect(url).not.toHaveValue(first);
  await expect(url).toHaveValue(/\/hooks\//);
  const old = await fetch(first, { method: "POST", headers: { "content-type": "application/json" }, body: grafana });
  expect([old.status, await old.text()]).toEqual([403, "invalid_token"]);

  // Delete: asked first, then gone, and its URL answers no_service.
  const second = await url.inputValue();
  await hooks.getByRole("button", { name: "Delete Grafana alerts" }).click();
  await page.getByRole("dialog", { name: "Delete Grafana alerts?" }).getByRole("button", { name: "Delete" }).click();
  await expect(hooks.getByText("No webhooks yet.")).toBeVisible();
  await expect(url).toHaveCount(0);
  const gone = await fetch(second, { method: "POST", headers: { "content-type": "application/json" }, body: grafana });
  expect([gone.status, await gone.text()]).toEqual([404, "no_service"]);

  expect(violations, violations.join("\n")).toEqual([]);
});
