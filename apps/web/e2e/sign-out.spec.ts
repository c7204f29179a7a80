import { expect, test } from "./fixtures";
import { alerts, expectConnected, PASSWORD, signIn, signOut, signUp, uniqueName } from "./parley-ui";

const SESSION_COOKIE = "next-auth.session-token";

test("after Sign out, the old session cookie and the old API token are both refused", async ({
  page,
  context,
  browser,
  playwright,
  baseURL,
}) => {
  await signUp(page, uniqueName("leaver"));
  await expectConnected(page);

  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, `the ${SESSION_COOKIE} cookie`).toBeDefined();
  const session = await (await page.request.get("/api/auth/session")).json();
  const apiToken: unknown = session.apiToken;
  expect(typeof apiToken, "the session's apiToken").toBe("string");

  // A client that is not the browser: nothing but the old credentials.
  const withCookie = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { cookie: `${SESSION_COOKIE}=${cookie?.value}` },
  });
  const withToken = await playwright.request.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${apiToken}` },
  });
  // Both work while signed in: the refusals below are the sign-out's doing.
  expect((await withCookie.get("/trpc/auth.me")).status()).toBe(200);
  expect((await withToken.get("/trpc/auth.me")).status()).toBe(200);
  // Another site's page cannot act with the cookie (cross-site request forgery).
  const forged = await withCookie.get("/trpc/auth.me", { headers: { origin: "http://evil.example" } });
  expect(forged.status()).toBe(401);

  await signOut(page);
  await page.waitForURL((url) => !url.pathname.startsWith("/chat"));
  await expect
    .poll(async () => (await context.cookies()).some((c) => c.name === SESSION_COOKIE), {
      message: "the session cookie is cleared",
    })
    .toBe(false);

  expect((await withCookie.get("/trpc/auth.me")).status()).toBe(401);
  expect((await withToken.get("/trpc/auth.me")).status()).toBe(401);
  await Promise.all([withCookie.dispose(), withToken.dispose()]);

  // A browser that kept the old cookie is sent to sign in.
  const kept = await browser.newContext({ baseURL });
  if (cookie) await kept.addCookies([cookie]);
  const stale = await kept.newPage();
  await stale.goto("/chat");
  await expect(stale).toHaveURL(/\/signin/);
  await kept.close();
});

test("a password change signs the account out everywhere, and only the new password signs in", async ({
  page,
  newPage,
}) => {
  const name = uniqueName("changer");
  await signUp(page, name);
  const elsewhere = await newPage();
  await signIn(elsewhere, name);
  await expect(elsewhere).toHaveURL(/\/chat$/);
  await expectConnected(elsewhere);

  await page.goto("/chat/profile");
  await page.getByLabel("Current password").fill("not the password");
  await page.getByLabel("New password").fill("a brand new secret");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(alerts(page)).toContainText(/current password is not right/i);
  await expect(page).toHaveURL(/\/chat\/profile$/);

  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByRole("button", { name: "Change password" }).click();
  // Both browsers are sent to sign in: this one by the change, the other by its socket closing.
  await page.waitForURL((url) => url.pathname === "/signin");
  await elsewhere.waitForURL((url) => url.pathname === "/signin");

  await signIn(page, name);
  await expect(alerts(page)).toContainText(/wrong username, e-mail or password/i);
  await signIn(page, name, "a brand new secret");
  await expect(page).toHaveURL(/\/chat$/);
  await expectConnected(page);
});
