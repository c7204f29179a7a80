import type { ApiConfig } from "./env";
import type { Logger } from "./logger";
import { createRuntime, type Runtime } from "./runtime";

const REGISTRY = Symbol.for("parley.runtime");
type Registry = { [REGISTRY]?: Promise<Runtime> };

/**
 * The one runtime (database and bus) of this process. A custom server and Next's server bundle
 * may load separate copies of this package; both reach the same instance through `globalThis`,
 * so the embedded database directory is never opened twice.
 */
export function getProcessRuntime(config: ApiConfig, log: Logger): Promise<Runtime> {
  const registry = globalThis as Registry;
  registry[REGISTRY] ??= createRuntime(config, log);
  return registry[REGISTRY];
}

/** The runtime that `getProcessRuntime` created, for code that runs inside the same process later. */
export function existingProcessRuntime(): Promise<Runtime> | undefined {
  return (globalThis as Registry)[REGISTRY];
}
