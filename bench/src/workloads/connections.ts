import { round, sleep } from "../stats";
import { type System, systemCpuMicros, systemMemory } from "../systems/system";
import { openFollowers } from "./followers";

export interface ConnectionsResult {
  system: string;
  connections: number;
  failed: number;
  openMs: number;
  connectionsPerSec: number;
  /** CPU time (user + system) of both instances while the connections opened, per connection: less noisy than the rate on a shared machine. */
  cpuPerConnectionMicros?: number;
  /** Both instances, after a full GC (`--expose-gc`, asked over IPC), minus the same before. */
  rssPerConnectionBytes: number;
  heapPerConnectionBytes: number;
  rssAfterBytes: number;
  afterGc: boolean;
}

/**
 * Idle authenticated connections, each following one room (on Parley also its user stream,
 * `events.mine`, as the web client does), split over the two instances.
 */
export async function runConnections(
  system: System,
  options: { connections: number; localAddresses: number },
): Promise<ConnectionsResult> {
  const roomId = await system.createRoom();
  const before = await systemMemory(system);
  const cpuBefore = await systemCpuMicros(system);
  const followers = await openFollowers(system, roomId, options.connections, {
    receiptsOf: () => null,
    withUserStream: system.name === "parley",
    localAddresses: options.localAddresses,
    concurrency: 200,
  });
  const cpuOpening = (await systemCpuMicros(system)) - cpuBefore;
  await sleep(500);
  const after = await systemMemory(system);
  const open = options.connections - followers.failed;
  followers.close();
  const result: ConnectionsResult = {
    system: system.name,
    connections: options.connections,
    failed: followers.failed,
    openMs: followers.openMs,
    connectionsPerSec: Math.round((open * 1000) / Math.max(1, followers.openMs)),
    cpuPerConnectionMicros: Math.round(cpuOpening / Math.max(1, open)),
    rssPerConnectionBytes: Math.round((after.rss - before.rss) / Math.max(1, open)),
    heapPerConnectionBytes: Math.round((after.heapUsed - before.heapUsed) / Math.max(1, open)),
    rssAfterBytes: after.rss,
    afterGc: after.afterGc,
  };
  console.log(`  connections ${system.name}: ${JSON.stringify(result)}`);
  await sleep(300); // let the servers notice the closes before the next workload
  return { ...result, rssPerConnectionBytes: round(result.rssPerConnectionBytes, 0) };
}
