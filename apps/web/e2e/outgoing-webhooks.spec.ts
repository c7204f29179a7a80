import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { audit } from "./a11y";
import { expect, test } from "./fixtures";
import { createRoom, expectConnected, sendMessage, signUp, textMessages, uniqueName } from "./parley-ui";

test("the owner registers an outgoing webhook with a trigger word, sees its secret once, a matching message is delivered after a retry and its reply shows as the bot's; the delivery log says so", async ({
  page,
  baseURL,
}) => {
  // The receiver: fails the first request, then answers with a reply to post back.
  const bodies: string[] = [];
  let answers = 0;
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      bodies.push(body);
      answers++;
      if (answers === 1) res.writeHead(503).end("busy");
      else
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ text: "Deployed: api 1.2.3" }));
    });
  });
  receiver.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/deploys`;
  try {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    await signUp(page, uniqueName("owner"));
    await createRoom(page, uniqueName("deploys"));
    await expectConnected(page);

    await page.getByRole("button", { name: "Room settings" }).click();
    const settings = page.getByRole("dialog", { name: "Room settings" });
    const hooks = settings.getByRole("region", { name: "Outgoing webhooks" });
    await expect(hooks.getByText("No outgoing webhooks yet.")).toBeVisible();
    await hooks.getByLabel("New outgoing webhook's name").fill("Deploy bot");
    await hooks.getByLabel("Its URL").fill(url);
    await hooks.getByLabel("Trigger words (optional)").fill("!deploy, !ship");
    await hooks.getByRole("button", { name: "Create" }).click();
    const secret = hooks.getByLabel("Signing secret of Deploy bot");
    await expect(secret).toHaveValue(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await hooks.getByRole("button", { name: "Copy" }).click();
    await expect(hooks.getByText("Copied.")).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await secret.inputValue());
    const item = hooks.getByRole("listitem").filter({ hasText: "Deploy bot" });
    await expect(item).toContainText("Messages starting with !deploy, !ship");
    await expect(item).toContainText(url);
    const violations = await audit(page, "outgoing-hooks-secret-shown", () => secret.scrollIntoViewIfNeeded());
    await hooks.getByRole("button", { name: "Done" }).click();
    await expect(secret).toHaveCount(0);
    await settings.getByRole("button", { name: "Cancel" }).click();

    // A message without the trigger word is not sent; one with it is, retried after the 503.
    await sendMessage(page, "just chatting");
    await sendMessage(page, "!deploy api 1.2.3");
    const reply = textMessages(page).last();
    await expect(reply).toContainText("Deployed: api 1.2.3", { timeout: 20_000 });
    await expect(reply.locator(".pl-bot-mark")).toHaveText("bot");
    expect(bodies).toHaveLength(2);
    expect(bodies.every((b) => JSON.parse(b).data.message.text === "!deploy api 1.2.3")).toBe(true);

    // The delivery log: delivered, in two attempts.
    await page.getByRole("button", { name: "Room settings" }).click();
    await hooks.getByRole("button", { name: "Deliveries" }).click();
    const log = hooks.getByRole("region", { name: "Deliveries to Deploy bot" });
    await expect(log.getByRole("listitem")).toHaveCount(1);
    await expect(log.getByRole("listitem")).toContainText("Delivered");
    await expect(log.getByRole("listitem")).toContainText("2 attempts");
    await expect(log.getByRole("listitem")).toContainText("“!deploy api 1.2.3”");
    await expect(log.getByRole("listitem")).toContainText("Last: HTTP 200");
    violations.push(...(await audit(page, "outgoing-hooks-log", () => log.scrollIntoViewIfNeeded())));

    // Delete asks first; then it is gone.
    await hooks.getByRole("button", { name: "Delete Deploy bot" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete Deploy bot?" });
    violations.push(...(await audit(page, "outgoing-hooks-confirm-delete")));
    await confirm.getByRole("button", { name: "Delete" }).click();
    await expect(hooks.getByText("No outgoing webhooks yet.")).toBeVisible();
    expect(violations, violations.join("\n")).toEqual([]);
  } finally {
    receiver.close();
  }
});
