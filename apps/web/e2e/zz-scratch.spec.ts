import { expect, test } from "./fixtures";
import { expectConnected, signUp, snapEveryWay, uniqueName } from "./parley-ui";

test("scratch", async ({ page }) => {
  await signUp(page, uniqueName("ann"));
  await expectConnected(page);
  await snapEveryWay(page, "scratch-header");
  await page.keyboard.press("Control+k");
  const dialog = page.getByRole("dialog", { name: "Search messages" });
  await expect(dialog).toBeVisible();
  await snapEveryWay(page, "scratch-idle");
  await dialog.getByText("Filters", { exact: true }).click();
  await dialog.getByRole("combobox", { name: "Search messages" }).fill("hello in:#x");
  await expect(dialog.getByRole("alert")).toBeVisible();
  await snapEveryWay(page, "scratch-error");
});
