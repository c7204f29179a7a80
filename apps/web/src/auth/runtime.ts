import { existingProcessRuntime, type Runtime } from "@parley/api";

/**
 * The process's runtime, created by `server.ts` before Next starts. Next's server bundle carries its
 * own copy of @parley/api; it reaches the same database and bus through the process registry.
 */
export async function processRuntime(): Promise<Runtime> {
  const runtime = existingProcessRuntime();
  if (!runtime)
    throw new Error("Parley's web app runs inside apps/web/server.ts (npm start), which creates the runtime");
  return runtime;
}
