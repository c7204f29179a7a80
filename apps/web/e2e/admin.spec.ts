import { schema } from "@parley/db";
import { audit } from "./a11y";
import { expect, test } from "./fixtures";
import {
  accountMenu,
  alerts,
  becomeAdmin,
  createRoom,
  expectConnected,
  messageLog,
  sendMessage,
  signIn,
  signUp,
  textMessages,
  uniqueName,
} from "./parley-ui";

/**
 * Issue 18, administration in the browser: an administrator opens the administration from the
 * account menu, disables an account (after a confirmation), the disabled person's open page is sent
 * to sign in and their sign-in is refused in words, and the audit log shows who did it. The page
 * passes axe (WCAG 2.1 A and AA: no serious or critical violation) in light and dark, 1280 and
 * 390 px wide, and is kept as screenshots to look at (test-results/screens, see a11y.ts).
 */
test("an administrator disables an account from the administration and sees it in the audit log", async ({
  page,
  newPage,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const adminName = uniqueName("admin");
  const victimName = uniqueName("victim");
  const victim = await newPage();
  // The administrator first: on a fresh stack the first account becomes an administrator, and the
  // victim must be a member whatever ran before.
  await signUp(page, adminName);
  await signUp(victim, victimName);
  await createRoom(page, uniqueName("ops"));

  // A member sees no administration: not in the menu, and the page is not found.
  await accountMenu(victim).click();
  await expect(victim.getByRole("link", { name: "Administration" })).toHaveCount(0);
  const notFound = await victim.request.get("/chat/admin");
  expect(notFound.status()).toBe(404);

  await becomeAdmin(page, db, adminName);
  await accountMenu(page).click();
  await page.getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Administration" })).toBeVisible();

  const users = page.getByRole("list", { name: "Users" });
  await page.getByLabel("Search users by name or e-mail").fill(victimName);
  await expect(users.getByRole("listitem")).toHaveCount(1);
  await page.getByRole("button", { name: `Disable @${victimName}` }).click();
  const dialog = page.getByRole("dialog", { name: "Disable account" });
  await expect(dialog).toContainText(`@${victimName}`);
  await dialog.getByRole("button", { name: "Disable" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(users.getByRole("listitem").filter({ hasText: victimName })).toContainText("disabled");
  await expect(page.getByRole("button", { name: `Enable @${victimName}` })).toBeVisible();

  // The disabled person's open page goes to sign in; signing in again is refused in words.
  await expect(victim).toHaveURL(/\/signin/);
  await signIn(victim, victimName);
  await expect(alerts(victim)).toContainText("This account is disabled");

  await page.getByRole("tab", { name: "Audit log" }).click();
  const log = page.getByRole("list", { name: "Audit log" });
  await expect(log.getByRole("listitem").first()).toContainText(`disabled: @${victimName}`);
  await expect(log.getByRole("listitem").first()).toContainText(`by @${adminName}`);
  await page.getByLabel("Show").selectOption("user.enabled");
  // Only "enabled" records once the filter is read (other tests may have enabled an account or a bot).
  await expect(
    page.getByText("Nothing recorded yet.").or(log.getByRole("listitem").filter({ hasText: "enabled:" }).first()),
  ).toBeVisible();
  await expect(log.getByText(`disabled: @${victimName}`)).toHaveCount(0);
  await page.getByLabel("Show").selectOption("");

  // How it looks, and what axe says, on each tab and in a dialog.
  const found: string[] = [];
  found.push(...(await audit(page, "admin-audit")));
  await page.getByRole("tab", { name: "Users" }).click();
  await page.getByLabel("Search users by name or e-mail").fill("");
  // The whole list, read again since the change (the first page of it was read before).
  await expect(
    page.getByRole("list", { name: "Users" }).getByRole("listitem").filter({ hasText: victimName }),
  ).toContainText("disabled");
  found.push(...(await audit(page, "admin-users")));
  await page.getByRole("tab", { name: "Rooms" }).click();
  await expect(page.getByRole("list", { name: "Rooms" }).getByRole("listitem").first()).toBeVisible();
  found.push(...(await audit(page, "admin-rooms")));
  await page.getByRole("tab", { name: "Users" }).click();
  await page.getByRole("button", { name: `Reset password @${victimName}` }).click();
  const reset = page.getByRole("dialog", { name: "Reset password" });
  await expect(reset).toBeVisible();
  found.push(...(await audit(page, "admin-dialog")));
  await reset.getByRole("button", { name: "Cancel" }).click();
  expect(found, `serious or critical accessibility violations:\n${found.join("\n")}`).toEqual([]);
});

test("an administrator makes registration by invite, creates a link shown once, and revokes it", async ({
  page,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const adminName = uniqueName("admin");
  await signUp(page, adminName);
  await becomeAdmin(page, db, adminName);
  try {
    await page.goto("/chat/admin");
    await page.getByRole("tab", { name: "Registration" }).click();
    const policy = page.getByRole("group", { name: "Who can create an account" });
    await expect(policy.getByRole("radio", { name: /^Open/ })).toBeChecked();
    await policy.getByRole("radio", { name: /^By invite/ }).check();
    await expect(policy.getByRole("radio", { name: /^By invite/ })).toBeChecked();
    await expect(policy).toBeEnabled(); // saved: the choice is no longer pending

    await page.getByLabel("Accounts it can create").fill("3");
    await page.getByLabel("Expires after").selectOption({ label: "1 day" });
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = page.getByRole("textbox", { name: "New invite link" });
    await expect(link).toHaveValue(/\/signup\?invite=[A-Za-z0-9_-]{32}$/);
    const table = page.getByRole("table", { name: "Invite links, newest first" });
    await expect(table.getByRole("row").nth(1)).toContainText("0 of 3");
    await expect(table.getByRole("row").nth(1)).toContainText("Active");
    const found = await audit(page, "admin-registration");

    // The link opens the sign-up form to a visitor.
    const visitor = await page.context().browser()?.newContext();
    const guest = await visitor?.newPage();
    if (!visitor || !guest) throw new Error("no second browser context");
    await guest.goto(await link.inputValue());
    await expect(guest.getByRole("button", { name: "Create account" })).toBeVisible();

    await table.getByRole("button", { name: "Revoke" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Revoke invite link" });
    found.push(...(await audit(page, "admin-registration-revoke")));
    await dialog.getByRole("button", { name: "Revoke" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(table.getByRole("row").nth(1)).toContainText("Revoked");
    await guest.reload();
    await expect(guest.getByRole("status")).toContainText("This invite link is not valid any more");
    await visitor.close();

    await page.getByRole("tab", { name: "Audit log" }).click();
    const log = page.getByRole("list", { name: "Audit log" });
    await expect(log).toContainText("invite link revoked");
    await expect(log).toContainText("registration changed");
    expect(found, `serious or critical accessibility violations:\n${found.join("\n")}`).toEqual([]);
  } finally {
    await db.update(schema.serverSettings).set({ registration: "open" });
  }
});

test('a deleted account\'s messages show under "deleted user", and its direct conversation is closed', async ({
  page,
  newPage,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const adminName = uniqueName("admin");
  const annName = uniqueName("ann");
  const bobName = uniqueName("bob");
  const ann = await newPage();
  const bob = await newPage();
  await signUp(ann, annName);
  await signUp(bob, bobName);
  await bob.getByRole("link", { name: "People" }).click();
  await bob.getByLabel("Search people").fill(annName);
  await bob.getByRole("button", { name: `Message ${annName}`, exact: true }).click();
  await expect(bob.getByRole("heading", { level: 1 })).toHaveText(annName);
  await sendMessage(bob, "a word before I go");
  const directPath = new URL(bob.url()).pathname;

  await signUp(page, adminName);
  await becomeAdmin(page, db, adminName);
  await page.goto("/chat/admin");
  await page.getByLabel("Search users by name or e-mail").fill(bobName);
  await page.getByRole("button", { name: `Delete @${bobName}` }).click();
  const dialog = page.getByRole("dialog", { name: "Delete account" });
  await dialog.getByRole("button", { name: "Delete account" }).click();
  await expect(dialog).toHaveCount(0);
  await page.getByLabel("Search users by name or e-mail").fill("deleted-");
  await expect(page.getByRole("list", { name: "Users" })).toContainText("deleted user");

  await ann.goto(directPath);
  await expect(ann.getByRole("heading", { level: 1 })).toHaveText("deleted user");
  const message = textMessages(ann).filter({ hasText: "a word before I go" });
  await expect(message).toContainText("deleted user");
  await expect(messageLog(ann)).not.toContainText(bobName);
  await expect(ann.getByText("This conversation is closed: the other account was deleted.")).toBeVisible();
  await expect(ann.getByRole("textbox", { name: "Message", exact: true })).toHaveCount(0);
});

test("after an administrator resets a password, the next sign-in leads only to choosing a new one", async ({
  page,
  newPage,
  stack,
}) => {
  const db = stack.db;
  if (!db) throw new Error("this test makes its administrator in the scaled stack's database");
  const adminName = uniqueName("admin");
  const carolName = uniqueName("carol");
  const carol = await newPage();
  await signUp(carol, carolName);
  await signUp(page, adminName);
  await becomeAdmin(page, db, adminName);
  await page.goto("/chat/admin");
  await page.getByLabel("Search users by name or e-mail").fill(carolName);
  await page.getByRole("button", { name: `Reset password @${carolName}` }).click();
  const dialog = page.getByRole("dialog", { name: "Reset password" });
  await dialog.getByLabel("Temporary password").fill("temporary words");
  await dialog.getByRole("button", { name: "Reset password" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Users" })).toContainText("must change password");

  // Carol's open page is signed out; her old password no longer works; the temporary one leads to the form.
  await expect(carol).toHaveURL(/\/signin/);
  await signIn(carol, carolName, "temporary words");
  await expect(carol).toHaveURL(/\/choose-password$/);
  await carol.goto("/chat");
  await expect(carol).toHaveURL(/\/choose-password$/);
  expect(await audit(carol, "choose-password")).toEqual([]);
  await carol.getByLabel("Temporary password").fill("temporary words");
  await carol.getByLabel("New password", { exact: true }).fill("my own words");
  await carol.getByLabel("New password again").fill("my own words");
  await carol.getByRole("button", { name: "Save the new password" }).click();
  await expect(carol).toHaveURL(/\/signin/);
  await signIn(carol, carolName, "my own words");
  await expect(carol).toHaveURL(/\/chat$/);
  await expectConnected(carol);
});
