import type { BusEvent, Channel } from "./events";

export interface Bus {
  /** Delivers the event to every subscriber of its channel, in this process and (Redis) in others. */
  publish(event: BusEvent): Promise<void>;
  /**
   * Resolves once the subscription to every channel is live (events published after that are
   * delivered), then yields their events, in publishing order per channel, until `signal` aborts.
   */
  subscribe(channels: Channel | Channel[], signal: AbortSignal): Promise<AsyncIterable<BusEvent>>;
  close(): Promise<void>;
}

/** A subscriber fell so far behind that its events were dropped; it must resync from the database. */
export class BusOverflowError extends Error {
  override readonly name = "BusOverflowError";
}

/** How many undelivered events one subscriber may hold before it is cut off. */
export const MAX_QUEUED_EVENTS = 10_000;

/**
 * The buffer between a channel and one subscriber: events pushed by the bus, pulled by the
 * consumer's `for await`. Ends when the signal aborts; fails when the consumer falls too far behind.
 */
export class EventQueue implements AsyncIterable<BusEvent> {
  private readonly buffer: BusEvent[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly signal: AbortSignal,
    private readonly onEnd: () => void,
  ) {
    signal.addEventListener("abort", () => this.end(), { once: true });
  }

  push(event: BusEvent): void {
    if (this.failure || this.signal.aborted) return;
    if (this.buffer.length >= MAX_QUEUED_EVENTS) {
      this.fail(new BusOverflowError(`subscriber fell more than ${MAX_QUEUED_EVENTS} events behind`));
      return;
    }
    this.buffer.push(event);
    this.notify();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.end();
  }

  private end(): void {
    this.onEnd();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<BusEvent> {
    try {
      while (true) {
        const next = this.buffer.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.signal.aborted) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.onEnd();
    }
  }
}
