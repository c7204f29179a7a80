import { drivers } from "@parley/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postToIncomingWebhook, WebhookRefused } from "../src/services/incoming-webhooks";
import { createHarness, type Harness } from "./harness";

describe.each(drivers)("an incoming webhook's bot on %s", (driver) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(driver);
  });
  afterAll(() => h?.dispose());

  it("posts nothing while an administrator has disabled it, and posts again once enabled", async () => {
    const owner = await h.signUp(); // the server's first account: its administrator
    const room = await owner.caller.rooms.create({ name: "alerts" });
    const hook = await owner.caller.webhooks.create({ roomId: room.id, name: "grafana" });
    const [, , hookId = "", secret = ""] = hook.path.split("/");
    const post = (text: string) =>
      postToIncomingWebhook(h.deps, {
        hookId,
        secret,
        contentType: "application/json",
        body: JSON.stringify({ text }),
      });
    await post("before");

    await owner.caller.admin.disableUser({ userId: hook.bot.id });
    const before = await h.counts();
    const refused = await post("while disabled").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WebhookRefused);
    expect((refused as WebhookRefused).answer).toBe("action_prohibited");
    expect(await h.counts()).toEqual(before);

    await owner.caller.admin.enableUser({ userId: hook.bot.id });
    await post("after");
    const page = await owner.caller.history.list({ roomId: room.id, limit: 10 });
    expect(page.items.map((m) => m.body).filter((b) => b !== "")).toEqual(expect.arrayContaining(["before", "after"]));
    expect(page.items.some((m) => m.body === "while disabled")).toBe(false);
  });
});
