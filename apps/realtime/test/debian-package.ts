import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Makes sure a program the tests drive is installed at `path`. Missing: as root, installs the
 * Debian `pkg` (refreshing the package lists once if the first attempt finds nothing); otherwise
 * fails with what to install.
 */
export function ensureDebianPackage(path: string, pkg: string): void {
  if (existsSync(path)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${path} is not installed: install it with \`sudo apt-get install -y ${pkg}\`.`);
  }
  console.log(`${path} is not installed: installing Debian's ${pkg} package`);
  if (!aptGet("install", "-y", "--no-install-recommends", pkg)) {
    aptGet("update");
    aptGet("install", "-y", "--no-install-recommends", pkg);
  }
  if (!existsSync(path))
    throw new Error(`${path} is still missing after \`apt-get install -y ${pkg}\`: see its output above.`);
}

function aptGet(...args: string[]): boolean {
  const result = spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}
