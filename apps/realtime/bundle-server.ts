import { existsSync } from "node:fs";
import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface ServerBundle {
  /** Output name → entry file (from the repo root): `{ main: "apps/realtime/src/main.ts" }` makes `main.mjs`. */
  entries: Record<string, string>;
  /** Where the bundles go; the SQL migrations go beside them, in `drizzle/`. */
  outdir: string;
  /**
   * Packages left out of the bundles (native code, WebAssembly, Next itself), loaded at run time
   * from `<root>/node_modules`. Those missing there are copied in, with their dependencies.
   */
  external: string[];
  /** The root of the tree the image is made of: the bundles' node_modules is `<root>/node_modules`. */
  root: string;
}

/**
 * Bundles server entries into plain ESM files that Node runs without tsx, the workspace's
 * TypeScript sources or its dev dependencies: what the Docker images run (`npm run bundle`).
 * Everything else is inside the bundle, once: one @trpc/server, whose `tracked()` events its own
 * WebSocket adapter recognises.
 */
export async function bundleServer({ entries, outdir, external, root }: ServerBundle): Promise<void> {
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.join(repoRoot, file)])),
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external,
    // CommonJS dependencies inside an ES module still call require() for Node's built-ins.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  await cp(path.join(repoRoot, "packages/db/drizzle"), path.join(outdir, "drizzle"), { recursive: true });
  for (const name of external) await copyPackage(name, repoRoot, path.join(root, "node_modules"));
}

/** Copies an installed package, and what it needs, into `nodeModules` unless it is there already. */
async function copyPackage(name: string, from: string, nodeModules: string, optional = false): Promise<void> {
  const target = path.join(nodeModules, name);
  if (existsSync(target)) return;
  const source = installedPackage(name, from);
  if (!source) {
    if (optional) return; // another platform's binary, say
    throw new Error(`${name} is not installed (looked from ${from})`);
  }
  await cp(source, target, { recursive: true, dereference: true });
  const manifest = JSON.parse(await readFile(path.join(source, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    optionalDependencies?: Record<string, string>;
  };
  for (const dependency of Object.keys(manifest.dependencies ?? {})) await copyPackage(dependency, source, nodeModules);
  for (const dependency of Object.keys(manifest.optionalDependencies ?? {}))
    await copyPackage(dependency, source, nodeModules, true);
}

/** Where Node would find package `name` from directory `from`: the nearest node_modules that holds it. */
function installedPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name);
    if (existsSync(path.join(candidate, "package.json"))) return candidate;
    if (dir === path.dirname(dir)) return undefined;
  }
}
