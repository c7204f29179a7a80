import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The browser the end-to-end tests drive: Debian's Chromium, or `CHROMIUM_PATH`. Never Playwright's own download. */
export const chromiumPath = process.env.CHROMIUM_PATH || DEBIAN_CHROMIUM;

/**
 * Makes sure `chromiumPath` exists before any browser starts. Debian's Chromium missing: as root,
 * installs the `chromium` package (refreshing the package lists once if the first attempt fails);
 * otherwise fails with what to install.
 */
export function ensureChromium(): void {
  if (existsSync(chromiumPath)) return;
  if (chromiumPath !== DEBIAN_CHROMIUM) {
    throw new Error(`CHROMIUM_PATH is ${chromiumPath}, which does not exist: point it at a Chromium or Chrome binary.`);
  }
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}. The end-to-end tests drive Debian's Chromium: ` +
        "install it with `sudo apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium or Chrome binary.",
    );
  }
  console.log(`Chromium is not installed at ${chromiumPath}: installing Debian's chromium package`);
  if (!aptGet("install", "-y", "chromium")) {
    // A machine whose package lists were never fetched, or are stale, finds no candidate.
    aptGet("update");
    aptGet("install", "-y", "chromium");
  }
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is still missing at ${chromiumPath} after \`apt-get install -y chromium\`: see its output above.`,
    );
  }
}

function aptGet(...args: string[]): boolean {
  const result = spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}
