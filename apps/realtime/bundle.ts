import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleServer } from "./bundle-server";

/**
 * `dist/`: everything the realtime image runs (apps/realtime/Dockerfile copies this directory and
 * nothing else): the realtime process (`main.mjs`), the one-shot migration (`migrate.mjs`), the SQL
 * migrations and the few packages that cannot be bundled.
 */
const dist = fileURLToPath(new URL("dist", import.meta.url));
await rm(dist, { recursive: true, force: true });
await bundleServer({
  entries: { main: "apps/realtime/src/main.ts", migrate: "packages/db/src/migrate.ts" },
  outdir: dist,
  root: dist,
  external: ["@electric-sql/pglite", "@node-rs/argon2", "sharp", "swagger-ui-dist"],
});
