import { ensureWebBuild } from "../test/web-build";
import { ensureChromium } from "./chromium";

/** Before any browser test: the browser is there, and so is a production build of the app to serve. */
export default async function globalSetup() {
  ensureChromium();
  await ensureWebBuild();
}
