import type { Locator, Page } from "@playwright/test";
import { TRPCClientError } from "@trpc/client";
import { audit, expectNoViolations } from "./a11y";
import { expect, test } from "./fixtures";
import { trpcOverHttp } from "./outside-client";
import { becomeAdmin, PASSWORD, signUp, uniqueName } from "./parley-ui";

/**
 * Issue 18 follow-ups in the browser: the administration's Bots tab (create a bot, give it a token
 * shown once with Copy, revoke it, disable, enable and delete the bot) and a person's tokens from
 * the Users tab (listed with their last use, revoked one at a time or all at once). What the API
 * then accepts is checked from outside, as a script would use the tokens. Each state is kept as a
 * screenshot, light and dark, 1280 and 390 px, and checked by axe (no serious or critical violation).
 */
/** Every way (see a11y.ts) with `focus` in view. */
async function auditEveryWay(page: Page, name: string, focus: Locator) {
  expectNoViolations(
    await audit(page, `admin-${name}`, () => focus.evaluate((element) => element.scrollIntoView({ block: "center" }))),
  );
}

/** What the API answers a token: its user's name, or the error's code. */
async function whoIs(baseURL: string, token: string): Promise<string> {
  return trpcOverHttp(baseURL, token)
    .auth.me.query()
    .then(
      (me) => me.username,
      (error: unknown) => (error instanceof TRPCClientError ? String(error.data?.code) : String(error)),
    );
}

test("an administrator creates a bot, gives it a token shown once, revokes it, disables, enables and deletes the bot", async ({
  page,
  baseURL,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const base = baseURL as string;
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const adminName = uniqueName("admin");
  const botName = uniqueName("ci-bot");
  await signUp(page, adminName);
  await becomeAdmin(page, db, adminName);
  await page.goto("/chat/admin");
  await page.getByRole("tab", { name: "Bots" }).click();

  await page.getByLabel("Username").fill(botName);
  await page.getByLabel("Display name (optional)").fill("CI");
  await page.getByRole("button", { name: "Create bot" }).click();
  await expect(page.getByText(`Bot @${botName} created.`)).toBeVisible();
  await page.getByLabel("Search bots by name").fill(botName);
  const bots = page.getByRole("list", { name: "Bots" });
  await expect(bots.getByRole("listitem")).toHaveCount(1);
  const row = bots.getByRole("listitem").first();
  await expect(row).toContainText(`CI @${botName}`);
  await expect(row).toContainText(`by @${adminName} · 0 rooms · 0 working tokens`);
  // A name already taken is refused in words, and nothing is added.
  await page.getByLabel("Username").fill(botName.toUpperCase());
  await page.getByRole("button", { name: "Create bot" }).click();
  await expect(page.getByText("that username is taken")).toBeVisible();
  await expect(bots.getByRole("listitem")).toHaveCount(1);
  await page.getByLabel("Username").fill("");
  await auditEveryWay(page, "bots", bots);

  // Its first token, shown once, copied, and working as the bot.
  await page.getByRole("button", { name: `Tokens of @${botName}` }).click();
  const dialog = page.getByRole("dialog", { name: `Tokens of @${botName}` });
  await expect(dialog.getByText("No tokens.")).toBeVisible();
  await dialog.getByLabel("Token name").fill("pipeline");
  await dialog.getByLabel("Expires after").selectOption({ label: "No expiry" });
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByRole("status")).toContainText("It will not be shown again");
  const secret = await dialog.getByLabel("The new token").inputValue();
  expect(secret).toMatch(/^parley_pat_[A-Za-z0-9_-]{43}$/);
  await dialog.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(dialog.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  expect(await whoIs(base, secret)).toBe(botName);
  const tokens = dialog.getByRole("list", { name: `Tokens of @${botName}` });
  await expect(tokens.getByRole("listitem")).toHaveCount(1);
  await expect(tokens.getByRole("listitem")).toContainText(`pipeline${secret.slice(0, 15)}…`);
  await expect(tokens.getByRole("listitem")).toContainText("never expires");
  await auditEveryWay(page, "bot-token-created", dialog);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog.getByLabel("The new token")).toHaveCount(0);

  // The bot makes a room (as a script would): its row counts it, and the working token.
  await trpcOverHttp(base, secret).rooms.create.mutate({ name: uniqueName("builds"), isPrivate: false });
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.reload();
  await page.getByRole("tab", { name: "Bots" }).click();
  await page.getByLabel("Search bots by name").fill(botName);
  await expect(row).toContainText("1 room · 1 working token");
  await page.getByRole("button", { name: `Tokens of @${botName}` }).click();
  await expect(tokens.getByRole("listitem")).toContainText("last used");
  expect(await page.content()).not.toContain(secret.slice(15));

  // Revoked after an inline confirmation: the API refuses it at once.
  await tokens.getByRole("button", { name: "Revoke pipeline" }).click();
  const confirm = tokens.getByRole("group", { name: "Revoke pipeline" });
  await expect(confirm).toContainText("Revoke it?");
  await auditEveryWay(page, "bot-token-revoke", dialog);
  await confirm.getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(dialog.getByText("No tokens.")).toBeVisible();
  expect(await whoIs(base, secret)).toBe("UNAUTHORIZED");

  // A second token: refused while the bot is disabled, working again once it is enabled, gone with it.
  await dialog.getByLabel("Token name").fill("second");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const second = await dialog.getByLabel("The new token").inputValue();
  expect(await whoIs(base, second)).toBe(botName);
  await dialog.getByRole("button", { name: "Close" }).click();
  await expect(row).toContainText("1 working token");

  await page.getByRole("button", { name: `Disable @${botName}` }).click();
  const disable = page.getByRole("dialog", { name: "Disable bot" });
  await expect(disable).toContainText("tokens are refused until it is enabled again");
  await auditEveryWay(page, "bot-disable", disable);
  await disable.getByRole("button", { name: "Disable" }).click();
  await expect(disable).toHaveCount(0);
  await expect(row).toContainText("disabled");
  expect(await whoIs(base, second)).toBe("UNAUTHORIZED");
  await page.getByRole("button", { name: `Enable @${botName}` }).click();
  await page.getByRole("dialog", { name: "Enable bot" }).getByRole("button", { name: "Enable" }).click();
  await expect(page.getByRole("button", { name: `Disable @${botName}` })).toBeVisible();
  await expect(row).not.toContainText("disabled");
  expect(await whoIs(base, second)).toBe(botName);

  await page.getByRole("button", { name: `Delete @${botName}` }).click();
  const remove = page.getByRole("dialog", { name: "Delete bot" });
  await expect(remove).toContainText("every token of it is revoked");
  await remove.getByRole("button", { name: "Delete bot" }).click();
  await expect(page.getByText(`No bot matches “${botName}”.`)).toBeVisible();
  expect(await whoIs(base, second)).toBe("UNAUTHORIZED");

  await page.getByRole("tab", { name: "Audit log" }).click();
  const log = page.getByRole("list", { name: "Audit log" });
  await expect(log.getByRole("listitem").first()).toContainText(`bot deleted: @${botName}`);
  await expect(log.getByText(`bot created: @${botName}`)).toBeVisible();
});

test("an administrator sees a person's tokens from the Users tab and revokes one, then all", async ({
  page,
  baseURL,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const base = baseURL as string;
  const personName = uniqueName("person");
  const session = await trpcOverHttp(base, "").auth.register.mutate({ username: personName, password: PASSWORD });
  const person = trpcOverHttp(base, session.token);
  const used = await person.tokens.create.mutate({ name: "laptop script" });
  const unused = await person.tokens.create.mutate({ name: "old cron job" });
  expect(await whoIs(base, used.token)).toBe(personName);

  const adminName = uniqueName("admin");
  await signUp(page, adminName);
  await becomeAdmin(page, db, adminName);
  await page.goto("/chat/admin");
  await page.getByLabel("Search users by name or e-mail").fill(personName);
  await expect(page.getByRole("list", { name: "Users" }).getByRole("listitem")).toHaveCount(1);
  await page.getByRole("button", { name: `Tokens of @${personName}` }).click();
  const dialog = page.getByRole("dialog", { name: `Tokens of @${personName}` });
  const tokens = dialog.getByRole("list", { name: `Tokens of @${personName}` });
  await expect(tokens.getByRole("listitem")).toHaveCount(2);
  await expect(tokens.getByRole("listitem").filter({ hasText: "laptop script" })).toContainText("last used");
  await expect(tokens.getByRole("listitem").filter({ hasText: "old cron job" })).toContainText("never used");
  expect(await page.content()).not.toContain(used.token.slice(15));
  // No token is made for a person here: only they can make their own.
  await expect(dialog.getByRole("button", { name: "Create token" })).toHaveCount(0);
  await auditEveryWay(page, "user-tokens", dialog);

  await tokens.getByRole("button", { name: "Revoke old cron job" }).click();
  await tokens
    .getByRole("group", { name: "Revoke old cron job" })
    .getByRole("button", { name: "Revoke", exact: true })
    .click();
  await expect(tokens.getByRole("listitem")).toHaveCount(1);
  expect(await whoIs(base, unused.token)).toBe("UNAUTHORIZED");
  expect(await whoIs(base, used.token)).toBe(personName);

  // Another appears meanwhile; reopened, the dialog shows it, and "Revoke all" ends both.
  const later = await person.tokens.create.mutate({ name: "new one" });
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: `Tokens of @${personName}` }).click();
  await expect(tokens.getByRole("listitem")).toHaveCount(2);
  await dialog.getByRole("button", { name: "Revoke all…" }).click();
  const all = dialog.getByRole("group", { name: "Revoke every token" });
  await expect(all).toContainText("Revoke all 2 tokens?");
  await auditEveryWay(page, "user-tokens-revoke-all", dialog);
  await all.getByRole("button", { name: "Revoke all" }).click();
  await expect(dialog.getByText("No tokens.")).toBeVisible();
  expect(await whoIs(base, used.token)).toBe("UNAUTHORIZED");
  expect(await whoIs(base, later.token)).toBe("UNAUTHORIZED");
  await dialog.getByRole("button", { name: "Close" }).click();

  // The password reset says it revokes tokens too.
  await page.getByRole("button", { name: `Reset password @${personName}` }).click();
  const reset = page.getByRole("dialog", { name: "Reset password" });
  await expect(reset).toContainText("every personal access token of theirs is revoked");
  await reset.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("tab", { name: "Audit log" }).click();
  const log = page.getByRole("list", { name: "Audit log" });
  await expect(log.getByRole("listitem").first()).toContainText(`every access token revoked: @${personName}`);
  await expect(log.getByText(`access token revoked: @${personName}`, { exact: true })).toBeVisible();
});
