import { existsSync } from "node:fs";
import { ensureDebianPackage } from "@parley/realtime/testing";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/** The browser the end-to-end tests drive: Debian's Chromium, or `CHROMIUM_PATH`. Never Playwright's own download. */
export const chromiumPath = process.env.CHROMIUM_PATH || DEBIAN_CHROMIUM;

/** Makes sure `chromiumPath` exists before any browser starts (Debian's chromium package, installed as root if missing). */
export function ensureChromium(): void {
  if (chromiumPath !== DEBIAN_CHROMIUM && !existsSync(chromiumPath)) {
    throw new Error(`CHROMIUM_PATH is ${chromiumPath}, which does not exist: point it at a Chromium or Chrome binary.`);
  }
  ensureDebianPackage(chromiumPath, "chromium");
}
