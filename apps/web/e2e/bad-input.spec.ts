import { expect, test } from "./fixtures";
import {
  alerts,
  composer,
  createRoom,
  expectMessages,
  PASSWORD,
  sendMessage,
  signIn,
  signUp,
  snap,
  uniqueName,
} from "./parley-ui";

test.describe("bad input", () => {
  test("an empty or blank message cannot be sent", async ({ page }) => {
    await signUp(page, uniqueName("quiet"));
    await createRoom(page, uniqueName("hush"));
    const send = page.getByRole("button", { name: "Send" });
    for (const blank of ["", "   \n  "]) {
      await composer(page).fill(blank);
      if (await send.isEnabled()) {
        await send.click();
        await expect(alerts(page).filter({ hasText: /\S/ }).first()).toBeVisible();
      } else {
        await expect(send).toBeDisabled();
      }
      await composer(page).press("Enter");
    }
    // Whatever the blank ones did, the next real message is the only one in the log.
    await sendMessage(page, "something to say at last");
    await expectMessages(page, ["something to say at last"]);
  });

  test("signing up with a username that is taken shows an alert", async ({ page, newPage }) => {
    const name = uniqueName("taken");
    await signUp(page, name);
    const other = await newPage();
    await other.goto("/signup");
    await other.getByLabel("Username", { exact: true }).fill(name);
    await other.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await other.getByRole("button", { name: "Create account" }).click();
    await expect(alerts(other).filter({ hasText: /taken/i })).toBeVisible();
    await expect(other).toHaveURL(/\/signup/);
  });

  test("a wrong password shows an alert, and the right one signs in", async ({ page, newPage }) => {
    const name = uniqueName("forgetful");
    await signUp(page, name);
    const other = await newPage();
    await signIn(other, name, "not the password");
    await expect(alerts(other).filter({ hasText: /wrong/i })).toBeVisible();
    await expect(other).toHaveURL(/\/signin/);
    await snap(other, "sign-in");
    await signIn(other, name, PASSWORD);
    await expect(other).toHaveURL(/\/chat$/);
  });
});
