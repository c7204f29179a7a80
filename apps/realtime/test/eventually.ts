import { setTimeout as delay } from "node:timers/promises";

/**
 * Waits until `check` holds, asking again every `everyMs`: for state that another process reaches
 * in its own time (a probe turning ready, a gauge going back to zero). Fails with the last error.
 */
export async function eventually(check: () => unknown, timeoutMs = 5000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(everyMs);
    }
  }
}
