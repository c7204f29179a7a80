import type { Deps } from "./deps";
import type { Logger } from "./logger";
import { sweepFiles } from "./services/files";

/** How often each process sweeps files, in milliseconds (see `sweepFiles`): every 5 minutes. */
export const FILE_SWEEP_INTERVAL_MS = 5 * 60 * 1000;
/** Every how many rounds a sweep also lists the store for unrecorded objects (hourly). */
const STRAY_ROUNDS = 12;

/**
 * Runs `sweepFiles` every FILE_SWEEP_INTERVAL_MS on an unref'd timer (it never keeps the process
 * alive), one round at a time (the look for unrecorded objects every STRAY_ROUNDS), logging what
 * it removed; a round that fails is logged and the next
 * one tries again. Returns the function that stops it.
 */
export function startFileSweeper(deps: Deps, log: Logger, intervalMs = FILE_SWEEP_INTERVAL_MS): () => void {
  let running = false;
  let round = 0;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepFiles(deps, { strays: round++ % STRAY_ROUNDS === 0 })
      .then((swept) => {
        if (swept.files + swept.temps + swept.strays > 0) log.info({ swept }, "swept unreachable files");
      })
      .catch((error: unknown) => log.warn({ err: error }, "the file sweep failed; the next round tries again"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
