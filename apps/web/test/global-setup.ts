import { ensureRealtimeBundle, ensureWebBuild } from "./web-build";

/** vitest's global setup: a production build of the web app to serve, and the realtime image's bundle. */
export default async function setup() {
  await Promise.all([ensureWebBuild(), ensureRealtimeBundle()]);
}
