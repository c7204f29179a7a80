import { createHash, randomBytes } from "node:crypto";
import { schema } from "@parley/db";
import { eq, sql } from "drizzle-orm";
import { audit, expectNoViolations } from "./a11y";
import { expect, test } from "./fixtures";
import { expectConnected, signUp, uniqueName } from "./parley-ui";

/**
 * The sign-up page obeys the registration policy (issue 18): it says so when registration is
 * closed or needs an invite, instead of offering a form that could only fail, and an invite link
 * opens it for the accounts the link allows. The policy and the invite are written into the
 * stack's database (the admin page that sets them has its own test), and put back afterwards:
 * the stack is shared by the worker's other specs.
 */
test.describe.configure({ mode: "serial" });

test("the sign-up page says registration is closed, or needs an invite, and an invite link opens it", async ({
  stack,
  page,
  newPage,
}) => {
  const db = stack.db;
  test.skip(db === null, "the scaled stack's database is needed to set the policy");
  if (!db) return;
  const setPolicy = (registration: "open" | "invite" | "closed") =>
    db
      .insert(schema.serverSettings)
      .values({ id: true, registration })
      .onConflictDoUpdate({ target: schema.serverSettings.id, set: { registration } });
  // Someone is there first (the first account is the administrator whatever the policy).
  await signUp(await newPage(), uniqueName("founder"));
  try {
    await setPolicy("closed");
    await page.goto("/signup");
    await expect(page.getByRole("status")).toContainText("Registration is closed on this server");
    await expect(page.getByRole("button", { name: "Create account" })).toHaveCount(0);
    expectNoViolations(await audit(page, "signup closed"));

    await setPolicy("invite");
    await page.goto("/signup");
    await expect(page.getByRole("status")).toContainText("registers people by invitation");
    expectNoViolations(await audit(page, "signup invite needed"));

    const token = randomBytes(24).toString("base64url");
    await db.insert(schema.registrationInvites).values({
      tokenHash: createHash("sha256").update(token).digest("hex"),
      expiresAt: sql`now() + interval '1 hour'`,
      maxUses: 1,
    });
    await page.goto(`/signup?invite=${token}`);
    await expect(page.getByText("You were invited by an administrator")).toBeVisible();
    expectNoViolations(await audit(page, "signup invited"));
    const name = uniqueName("invited");
    await page.getByLabel("Username", { exact: true }).fill(name);
    await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/chat$/);
    await expectConnected(page);
    const [created] = await db.select().from(schema.users).where(eq(schema.users.username, name));
    expect(created?.role).toBe("member");

    // The link is used up: a second person who opens it is told so, not shown a form.
    const other = await page.context().browser()?.newContext();
    const second = await other?.newPage();
    if (!second || !other) throw new Error("no second browser context");
    await second.goto(`${stack.webUrl}/signup?invite=${token}`);
    await expect(second.getByRole("status")).toContainText("This invite link is not valid any more");
    await other.close();
  } finally {
    await setPolicy("open");
  }
});
