import type { Locator, Page } from "@playwright/test";
import { TRPCClientError } from "@trpc/client";
import { audit, expectNoViolations } from "./a11y";
import { expect, test } from "./fixtures";
import { trpcOverHttp } from "./outside-client";
import { createRoom, PASSWORD, signUp, snap, textMessages, uniqueName } from "./parley-ui";

/**
 * Personal access tokens on the profile page (issue 18): created with a name and an expiry, shown
 * once with Copy and a warning, listed, and revoked after a confirmation, after which the API
 * refuses it; and the "bot" mark beside a bot's name. Each state is kept as a screenshot, light and
 * dark, 1280 and 390 px, and checked by axe (WCAG 2.0 and 2.1 A and AA: no serious or critical
 * violation), as the accessibility gate does.
 */
test.describe.configure({ mode: "serial" });

/** Every way (see a11y.ts) with `focus` in view: the page scrolls inside its own box, not the window. */
async function auditEveryWay(page: Page, name: string, focus: Locator) {
  expectNoViolations(
    await audit(page, `tokens-${name}`, () => focus.evaluate((element) => element.scrollIntoView({ block: "center" }))),
  );
}

const tokensSection = (page: Page) => page.getByRole("region", { name: "Personal access tokens" });
const tokenList = (page: Page) => page.getByRole("list", { name: "Your tokens" });

test("creates a token shown once, lists it, and revokes it after a confirmation; the API then refuses it", async ({
  page,
  baseURL,
}) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const username = uniqueName("tok");
  await signUp(page, username);
  await page.goto("/chat/profile");
  const section = tokensSection(page);
  await expect(section.getByText("No tokens yet.")).toBeVisible();
  await auditEveryWay(page, "empty", section);

  await section.getByLabel("Token name").fill("deploy script");
  await section.getByLabel("Expires after").selectOption({ label: "7 days" });
  await section.getByRole("button", { name: "Create token" }).click();
  const shown = section.getByRole("status");
  await expect(shown).toContainText("You will not be able to see it again");
  const secret = await section.getByLabel("Your new token").inputValue();
  expect(secret).toMatch(/^parley_pat_[A-Za-z0-9_-]{43}$/);
  await section.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(section.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  // It acts as its owner, as a script would use it.
  expect(await trpcOverHttp(baseURL as string, secret).auth.me.query()).toMatchObject({ username });

  const listed = tokenList(page).getByRole("listitem");
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText("deploy script");
  await expect(listed).toContainText(`${secret.slice(0, 15)}…`);
  await expect(listed).toContainText(/expires/);
  await auditEveryWay(page, "created", shown);

  await section.getByRole("button", { name: "Done" }).click();
  await expect(section.getByLabel("Your new token")).toHaveCount(0);
  await page.reload();
  await expect(tokenList(page).getByRole("listitem")).toContainText("last used");
  expect(await page.content()).not.toContain(secret.slice(15));
  await auditEveryWay(page, "listed", tokenList(page));

  await tokenList(page).getByRole("button", { name: "Revoke deploy script" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke “deploy script”?" });
  await expect(dialog).toContainText("stops working at once");
  await auditEveryWay(page, "revoke-dialog", dialog);
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(tokensSection(page).getByText("No tokens yet.")).toBeVisible();
  const refused = await trpcOverHttp(baseURL as string, secret)
    .auth.me.query()
    .catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(TRPCClientError);
  expect(refused).toMatchObject({ data: { code: "UNAUTHORIZED" } });
});

test("refuses a nameless token in words and creates nothing", async ({ page }) => {
  await signUp(page, uniqueName("tok"));
  await page.goto("/chat/profile");
  const section = tokensSection(page);
  await section.getByLabel("Token name").fill("   ");
  await section.getByRole("button", { name: "Create token" }).click();
  await expect(section.getByRole("alert")).toContainText("the token needs a name");
  await expect(section.getByText("No tokens yet.")).toBeVisible();
});

test("marks a bot's name as a bot's: on its messages, in the member list and on its profile card", async ({
  page,
  baseURL,
  stack,
}) => {
  test.skip(!stack.db, "making an administrator needs the scaled stack's database");
  const base = baseURL as string;
  const adminName = uniqueName("admin");
  const session = await trpcOverHttp(base, "").auth.register.mutate({ username: adminName, password: PASSWORD });
  await stack.db?.execute(`update users set role = 'admin' where id = ${Number(session.user.id)}`);
  const admin = trpcOverHttp(base, session.token);
  const bot = await admin.bots.create.mutate({ username: uniqueName("ci-bot"), displayName: "CI" });
  const { token } = await admin.bots.createToken.mutate({ botId: bot.id, name: "pipeline" });
  const viaBot = trpcOverHttp(base, token);

  await signUp(page, uniqueName("dev"));
  const roomId = await createRoom(page, uniqueName("builds"));
  await viaBot.rooms.join.mutate({ roomId });
  await viaBot.messages.send.mutate({ roomId, text: "build 42 passed" });
  const message = textMessages(page).filter({ hasText: "build 42 passed" });
  await expect(message.getByText("bot", { exact: true })).toBeVisible();
  const member = page.locator(".pl-member").filter({ hasText: "CI" });
  await expect(member.getByText("bot", { exact: true })).toBeVisible();
  await snap(page, "tokens-bot-mark-room-1280");
  await page.setViewportSize({ width: 390, height: 800 });
  await expect(message.getByText("bot", { exact: true })).toBeVisible();
  await snap(page, "tokens-bot-mark-room-390");
  await page.setViewportSize({ width: 1280, height: 800 });
  await message.getByRole("button", { name: "CI", exact: true }).click();
  const card = page.getByRole("dialog", { name: "CI" });
  await expect(card.getByText("bot", { exact: true })).toBeVisible();
  await snap(page, "tokens-bot-mark-card-1280");
});
