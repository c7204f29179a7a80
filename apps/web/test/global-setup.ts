import { ensureWebBuild } from "./web-build";

/** vitest's global setup: a production build of the web app to serve (see `ensureWebBuild`). */
export default async function setup() {
  await ensureWebBuild();
}
