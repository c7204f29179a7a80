import { parleyPublisher } from "../clients/parley-client";
import { stampedBody } from "../clients/raw-client";
import type { LatencySummary } from "../stats";
import { sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { drain, openFollowers, Receipts } from "./followers";
import { openLoop } from "./open-loop";

export interface FloodResult {
  /** The abuse limits of the system measured: "lifted", or "defaults". */
  limits: "lifted" | "defaults";
  subscribers: number;
  talkers: number;
  /** Messages/s of all talkers together (each well under the limit). */
  rate: number;
  seconds: number;
  /** The talkers' send → delivery latency at every subscriber, alone and while one user floods. */
  quiet: LatencySummary;
  during: LatencySummary;
  /** The flooder's sends (as fast as answers come back, `concurrency` in flight) and their fate. */
  concurrency: number;
  floodSent: number;
  floodAccepted: number;
  floodRefused: number;
  lostByTalkers: number;
}

/**
 * One room: `talkers` users each sending a few messages a second, heard by `subscribers`. Their
 * latency is measured alone, then while one more user of the room sends as fast as the server
 * answers. With Parley's default limits the flood's messages are refused past their allowance
 * (per user and room) and its socket is not read past its allowance of frames, and the others
 * should not notice; with the limits lifted the flood is stored and fanned out like anything else.
 */
export async function runFlood(
  system: ParleySystem,
  options: { subscribers: number; talkers: number; ratePerTalker: number; seconds: number; concurrency: number },
): Promise<FloodResult> {
  const roomId = await system.createRoom();
  const receipts = new Receipts();
  const followers = await openFollowers(system, roomId, options.subscribers, { receiptsOf: () => receipts });
  const urlOf = (i: number) => system.instances[i % system.instances.length]?.url ?? "";
  // User 0 owns the rooms; talkers are users 1..talkers, the flooder the one after them.
  const talkers = Array.from({ length: options.talkers }, (_, i) =>
    parleyPublisher(urlOf(i), system.tokens[1 + i] ?? "", roomId),
  );
  const flooder = parleyPublisher(urlOf(0), system.tokens[1 + options.talkers] ?? "", roomId);
  await Promise.all([...talkers, flooder].map((p) => p.ready));

  const rate = options.talkers * options.ratePerTalker;
  const talk = (n0: number) => (t: number, n: number) =>
    talkers[(n0 + n) % talkers.length]?.publish(stampedBody(t, n0 + n));
  let sent = await openLoop(rate, options.seconds, talk(0));
  await drain(receipts, sent * options.subscribers);
  const quiet = receipts.latency.summary();
  const deliveredQuiet = receipts.delivered;
  receipts.reset();

  let flooding = true;
  let floodSent = 0;
  let floodAccepted = 0;
  let floodRefused = 0;
  const flood = Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (flooding) {
        floodSent++;
        await flooder.call(`flood ${floodSent}`).then(
          () => floodAccepted++,
          () => floodRefused++,
        );
      }
    }),
  );
  const during0 = sent;
  sent += await openLoop(rate, options.seconds, talk(during0));
  flooding = false;
  await flood;
  await drain(receipts, (sent - during0) * options.subscribers);
  const during = receipts.latency.summary();

  for (const p of [...talkers, flooder]) p.close();
  followers.close();
  const result: FloodResult = {
    limits: system.limits,
    subscribers: options.subscribers,
    talkers: options.talkers,
    rate,
    seconds: options.seconds,
    concurrency: options.concurrency,
    quiet,
    during,
    floodSent,
    floodAccepted,
    floodRefused,
    lostByTalkers: Math.max(0, sent * options.subscribers - deliveredQuiet - receipts.delivered),
  };
  console.log(`  flood (limits ${result.limits}): ${JSON.stringify(result)}`);
  await sleep(300);
  return result;
}
