import { type Subscriber, stampOf } from "../clients/raw-client";
import { Latency } from "../stats";
import { inBatches, type System } from "../systems/system";

/** Where the stamped messages arriving at a group of subscribers are counted and timed. */
export class Receipts {
  delivered = 0;
  latency = new Latency();

  reset() {
    this.delivered = 0;
    this.latency = new Latency();
  }

  take(frame: string) {
    const stamp = stampOf(frame);
    if (!stamp) return;
    this.delivered++;
    this.latency.record(performance.now() - stamp.scheduled);
  }
}

export interface Followers {
  subscribers: Subscriber[];
  /** Time to open every connection and see its subscription live. */
  openMs: number;
  /** Subscriptions that failed to open. */
  failed: number;
  close(): void;
}

/**
 * Opens `count` subscribers of a room (or subscriber `i` of `roomId(i)`), alternating between the
 * system's two instances, each handing its frames to `receiptsOf(i)`.
 */
export async function openFollowers(
  system: System,
  roomId: number | ((i: number) => number),
  count: number,
  options: {
    receiptsOf: (i: number) => Receipts | null;
    withUserStream?: boolean;
    localAddresses?: number;
    concurrency?: number;
  },
): Promise<Followers> {
  const t0 = performance.now();
  let failed = 0;
  const subscribers = await inBatches(
    Array.from({ length: count }, (_, i) => i),
    options.concurrency ?? 100,
    async (i) => {
      const receipts = options.receiptsOf(i);
      const room = typeof roomId === "number" ? roomId : roomId(i);
      const subscriber = system.subscribe(i % 2, room, i, {
        onFrame: receipts ? (frame) => receipts.take(frame) : undefined,
        withUserStream: options.withUserStream,
        localAddress: options.localAddresses ? `127.0.0.${1 + (i % options.localAddresses)}` : undefined,
      });
      await subscriber.ready.catch(() => failed++);
      return subscriber;
    },
  );
  const openMs = Math.round(performance.now() - t0);
  return {
    subscribers,
    openMs,
    failed,
    close: () => {
      for (const s of subscribers) s.close();
    },
  };
}

/** Waits until `receipts` got `expected`, or nothing arrived for `quietMs`. */
export async function drain(receipts: Receipts, expected: number, quietMs = 2000, maxMs = 10_000) {
  const t0 = performance.now();
  let last = -1;
  let changed = performance.now();
  while (receipts.delivered < expected && performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    if (receipts.delivered !== last) {
      last = receipts.delivered;
      changed = performance.now();
    } else if (performance.now() - changed > quietMs) break;
  }
}
