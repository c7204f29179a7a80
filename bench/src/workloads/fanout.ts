import { stampedBody } from "../clients/raw-client";
import { GENERATOR_SATURATED, generatorCpu, type LatencySummary, round, sleep } from "../stats";
import { type System, systemCpuMicros } from "../systems/system";
import { drain, openFollowers, Receipts } from "./followers";
import { openLoop } from "./open-loop";

export interface FanoutStep extends LatencySummary {
  rate: number;
  sent: number;
  expected: number;
  deliveriesPerSec: number;
  lost: number;
  /** CPU time of both instances per delivery, over the sending and the draining. */
  sutCpuMicrosPerDelivery: number;
  /** Cores of the generator used while sending (process.cpuUsage). */
  generatorCpu: number;
  generatorSaturated: boolean;
  publishErrors: number;
  passed: boolean;
}

export interface FanoutResult {
  system: string;
  /** 1: every subscriber in one room; more: `subscribers / rooms` members in each. */
  rooms: number;
  subscribers: number;
  openMs: number;
  failed: number;
  steps: FanoutStep[];
  /** The highest deliveries/s of a step with p99 ≤ 250 ms, nothing lost and the generator unsaturated. */
  bestDeliveriesPerSec: number;
}

export const P99_LIMIT_MS = 250;

/**
 * One room, `subscribers` members split over the two instances, a publisher on instance 0 sending
 * 100-byte messages open loop; the rate steps up until p99 passes 250 ms or anything is lost.
 * With `rooms` > 1, the subscribers are spread evenly over that many rooms and the publisher
 * sends to each room in turn.
 */
export async function runFanout(
  system: System,
  options: { subscribers: number; rooms?: number; rates: number[]; stepSeconds: number },
): Promise<FanoutResult> {
  const roomCount = options.rooms ?? 1;
  const roomIds = roomCount === 1 ? [await system.createRoom()] : await system.createRooms(roomCount);
  const members = Math.ceil(options.subscribers / roomCount);
  const receipts = new Receipts();
  const followers = await openFollowers(system, (i) => roomIds[Math.floor(i / members)] ?? 0, options.subscribers, {
    receiptsOf: () => receipts,
  });
  const publisher = system.publisher(0, roomIds[0] ?? 0);
  await publisher.ready;
  const live = options.subscribers - followers.failed;
  const send = (t: number, n: number) => publisher.publish(stampedBody(t, n), roomIds[n % roomIds.length]);
  /** Deliveries `sent` messages make: each reaches its room's members. */
  const deliveriesOf = (sent: number) => (roomCount === 1 ? sent * live : sent * members);
  // Warm-up (not recorded): JIT, Redis subscriptions, database connections.
  const warm = await openLoop(options.rates[0] ?? 10, 1, send);
  await drain(receipts, deliveriesOf(warm), 1000, 5000);
  await sleep(200);

  const steps: FanoutStep[] = [];
  for (const rate of options.rates) {
    receipts.reset();
    const errorsBefore = publisher.errors;
    const cpuBefore = await systemCpuMicros(system);
    const generator = generatorCpu();
    const sent = await openLoop(rate, options.stepSeconds, send);
    const generatorCores = generator();
    const expected = deliveriesOf(sent);
    await drain(receipts, expected);
    const cpu = (await systemCpuMicros(system)) - cpuBefore;
    const summary = receipts.latency.summary();
    const lost = Math.max(0, expected - receipts.delivered);
    const step: FanoutStep = {
      rate,
      sent,
      expected,
      deliveriesPerSec: Math.round(receipts.delivered / options.stepSeconds),
      lost,
      ...summary,
      sutCpuMicrosPerDelivery: round(cpu / Math.max(1, receipts.delivered), 2),
      generatorCpu: round(generatorCores, 2),
      generatorSaturated: generatorCores > GENERATOR_SATURATED,
      publishErrors: publisher.errors - errorsBefore,
      passed: summary.p99Ms <= P99_LIMIT_MS && lost === 0,
    };
    steps.push(step);
    console.log(`  fanout ${system.name} ${roomCount} room(s) ${rate}/s: ${JSON.stringify(step)}`);
    if (!step.passed) break;
    await sleep(500);
  }
  publisher.close();
  followers.close();
  if (roomCount > 1) await system.dropRooms(roomIds);
  const counted = steps.filter((s) => s.passed && !s.generatorSaturated);
  return {
    system: system.name,
    rooms: roomCount,
    subscribers: options.subscribers,
    openMs: followers.openMs,
    failed: followers.failed,
    steps,
    bestDeliveriesPerSec: Math.max(0, ...counted.map((s) => s.deliveriesPerSec)),
  };
}
