import { defineConfig } from "@playwright/test";
import { chromiumPath } from "./e2e/chromium";

/**
 * End-to-end tests in a real browser against real processes (see e2e/stacks.ts): Debian's Chromium
 * (or CHROMIUM_PATH), never a browser Playwright downloads. One worker: each one runs a web process
 * and a realtime process beside the browser, on a 2-core machine.
 *
 * Playwright's own screenshot of every open page at the end of a test is taken for failures only:
 * on success nobody looks at it (the screens to look at are the ones the tests save themselves with
 * `snap`, under test-results/screens), and it costs about half a second a page on a loaded machine.
 */
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    viewport: { width: 1280, height: 800 },
    headless: true,
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    actionTimeout: 10_000,
    navigationTimeout: 20_000,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
});
