import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = fileURLToPath(new URL("..", import.meta.url));
const realtimeDir = path.join(webDir, "..", "realtime");

/**
 * The servers under test serve a production build. `npm test` (turbo) makes it before the tests;
 * this is the fallback for `vitest run` or `playwright test` in apps/web on a fresh clone: build
 * when there is none (`server.mjs`, the bundled server of the web image, is the build's last file).
 */
export async function ensureWebBuild(): Promise<void> {
  if (!existsSync(path.join(webDir, ".next", "standalone", "apps", "web", "server.mjs"))) await npmRun("build", webDir);
}

/** The realtime image's files (`npm run bundle -w @parley/realtime`), made the same way when missing. */
export async function ensureRealtimeBundle(): Promise<void> {
  if (!existsSync(path.join(realtimeDir, "dist", "main.mjs"))) await npmRun("bundle", realtimeDir);
}

async function npmRun(script: string, cwd: string): Promise<void> {
  const child = spawn("npm", ["run", script], {
    cwd,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`npm run ${script} in ${cwd} exited with ${code}`);
}
