import path from "node:path";
import { bundleServer } from "@parley/realtime/bundle";
import { repoRoot } from "./pinned-process";

/** Where the bench's build of the realtime bundle goes (ignored by git, like every `dist/`). */
const outdir = path.join(repoRoot, "bench/dist/realtime");

let built: Promise<string> | undefined;

/**
 * The realtime process as production runs it: `main.mjs`, bundled by the same `bundleServer` call
 * as `npm run bundle -w @parley/realtime` (what apps/realtime/Dockerfile runs), plain JavaScript
 * that Node runs without tsx. Built once per bench process (a second or two), into
 * `bench/dist/realtime`; its few external packages load from the repository's node_modules.
 * Resolves to the entry's path, from the repository root.
 */
export function realtimeBundle(): Promise<string> {
  built ??= bundleServer({
    entries: { main: "apps/realtime/src/main.ts" },
    outdir,
    root: repoRoot,
    external: ["@electric-sql/pglite", "@node-rs/argon2", "sharp"],
  }).then(() => path.relative(repoRoot, path.join(outdir, "main.mjs")));
  return built;
}
