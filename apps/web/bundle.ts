import { cp } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleServer } from "@parley/realtime/bundle";

/**
 * Completes `.next/standalone` (made by `next build`) into everything the web image runs
 * (apps/web/Dockerfile copies this directory and nothing else): the custom server bundled as
 * `apps/web/server.mjs` beside the app's `.next`, the SQL migrations, the static files, which Next
 * leaves out of it, and the packages the server loads at run time that Next's trace missed.
 */
const webDir = fileURLToPath(new URL(".", import.meta.url));
const standalone = `${webDir}.next/standalone`;
await bundleServer({
  entries: { server: "apps/web/server.ts" },
  outdir: `${standalone}/apps/web`,
  root: standalone,
  external: ["next", "@electric-sql/pglite", "@node-rs/argon2", "sharp", "swagger-ui-dist"],
});
await cp(`${webDir}.next/static`, `${standalone}/apps/web/.next/static`, { recursive: true });
