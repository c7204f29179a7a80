import { stampedBody } from "../clients/raw-client";
import { type LatencySummary, sleep } from "../stats";
import type { System } from "../systems/system";
import { drain, openFollowers, Receipts } from "./followers";
import { openLoop } from "./open-loop";

export interface SlowConsumerResult {
  system: string;
  subscribers: number;
  slow: number;
  rate: number;
  seconds: number;
  /** The healthy subscribers' latency before and while 1% of subscribers stopped reading. */
  before: LatencySummary;
  during: LatencySummary;
  lostByHealthy: number;
  /** RSS of both instances (no GC), sampled every 500 ms from before the pause to its end. */
  rssTimeline: { atMs: number; rssBytes: number }[];
  rssBeforeBytes: number;
  rssPeakBytes: number;
  /** Slow subscribers the server disconnected. */
  slowDisconnected: number;
}

/** A room at a steady rate; then 1% of its subscribers stop reading their TCP socket. */
export async function runSlowConsumer(
  system: System,
  options: { subscribers: number; rate: number; seconds: number },
): Promise<SlowConsumerResult> {
  const roomId = await system.createRoom();
  const healthy = new Receipts();
  const slowSet = new Set(
    Array.from({ length: Math.max(1, Math.round(options.subscribers / 100)) }, (_, i) => i * 100),
  );
  const followers = await openFollowers(system, roomId, options.subscribers, {
    receiptsOf: (i) => (slowSet.has(i) ? null : healthy),
  });
  const healthyCount = options.subscribers - slowSet.size - followers.failed;
  const publisher = system.publisher(0, roomId);
  await publisher.ready;

  const rssTimeline: { atMs: number; rssBytes: number }[] = [];
  const t0 = performance.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = await Promise.all(system.instances.map((p) => p.rssNow()));
      rssTimeline.push({ atMs: Math.round(performance.now() - t0), rssBytes: rss.reduce((a, b) => a + b, 0) });
      await sleep(500);
    }
  })();

  let n = 0;
  const send = (t: number) => publisher.publish(stampedBody(t, n++));
  let sent = await openLoop(options.rate, options.seconds, send);
  const before = healthy.latency.summary();
  const deliveredBefore = healthy.delivered;
  healthy.reset();
  const slow = followers.subscribers.filter((_, i) => slowSet.has(i));
  for (const s of slow) s.pause();
  sent += await openLoop(options.rate, options.seconds, send);
  const during = healthy.latency.summary();
  sampling = false;
  await sampler;
  await drain(healthy, sent * healthyCount);
  const slowDisconnected = slow.filter((s) => s.closeCode !== null).length;
  for (const s of slow) s.resume();
  publisher.close();
  followers.close();
  const rssValues = rssTimeline.map((s) => s.rssBytes);
  const result: SlowConsumerResult = {
    system: system.name,
    subscribers: options.subscribers,
    slow: slowSet.size,
    rate: options.rate,
    seconds: options.seconds,
    before,
    during,
    lostByHealthy: Math.max(0, sent * healthyCount - healthy.delivered - deliveredBefore),
    rssTimeline,
    rssBeforeBytes: rssValues[0] ?? 0,
    rssPeakBytes: Math.max(0, ...rssValues),
    slowDisconnected,
  };
  console.log(`  slow consumer ${system.name}: ${JSON.stringify({ ...result, rssTimeline: undefined })}`);
  await sleep(300);
  return result;
}
