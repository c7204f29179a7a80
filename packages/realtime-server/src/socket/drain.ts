import { AppError } from "@parley/api";

/** What a call that arrives while the process drains is told (SERVICE_UNAVAILABLE, 503). */
export const RESTARTING = "this server is restarting: retry, and another instance will answer";

/** The error a call refused during the drain fails with, on every transport. */
export const restartingError = () => new AppError("UNAVAILABLE", RESTARTING);

/**
 * The calls a process has in flight on its WebSockets, for a shutdown that answers them before
 * it closes: `start()` makes new calls refused (`draining`), and `settled(ms)` resolves once every
 * call in flight has been answered, or when `ms` milliseconds have passed.
 *
 * Calls are counted where the WebSocket layer reads and answers them (`CallGate` for tRPC, the
 * seed sockets' frame queue), not in a tRPC middleware: a middleware sees neither the seed
 * protocols' frames nor the moment an answer is written to the socket, and tRPC over HTTP needs
 * no count of its own (`server.close()` already waits for requests under way).
 */
export class Drain {
  private inFlight = 0;
  private idle: (() => void)[] = [];
  /** True from `start()` on: new calls are refused with `restartingError()`. */
  draining = false;

  /** Counts a call in; the returned function counts it out (calling it again does nothing). */
  track(): () => void {
    this.inFlight++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
  }

  /** Calls counted in and not yet out. */
  get calls(): number {
    return this.inFlight;
  }

  start(): void {
    this.draining = true;
  }

  /** Resolves true once no call is in flight, or false after `deadlineMs` milliseconds with some left. */
  settled(deadlineMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.inFlight === 0), deadlineMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
