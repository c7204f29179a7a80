import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = fileURLToPath(new URL("..", import.meta.url));

/**
 * The servers under test serve a production build. `npm test` (turbo) makes it before the tests;
 * this is the fallback for `vitest run` or `playwright test` in apps/web on a fresh clone: build
 * when there is none.
 */
export async function ensureWebBuild(): Promise<void> {
  if (existsSync(path.join(webDir, ".next", "BUILD_ID"))) return;
  const nextBin = path.join(webDir, "..", "..", "node_modules", ".bin", "next");
  const child = spawn(nextBin, ["build"], {
    cwd: webDir,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0) throw new Error(`next build exited with ${code}`);
}
