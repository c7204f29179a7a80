import type { ConnectOptions, Publisher, Subscriber } from "../clients/raw-client";
import type { PinnedProcess } from "./pinned-process";

export const SYSTEM_NAMES = ["parley", "socketio", "socketio-sharded", "ws"] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

export interface SubscribeOptions extends ConnectOptions {
  /** Parley only: also open the user's own stream (`events.mine`), as the web client does. */
  withUserStream?: boolean;
}

/** A system under test: two instances on core 1 sharing the local Redis. */
export interface System {
  name: SystemName;
  /** What it is, for the report. */
  description: string;
  instances: PinnedProcess[];
  /** A fresh room every user of the system may follow. */
  createRoom(): Promise<number>;
  /** `count` fresh rooms every user may follow, made in bulk; `dropRooms` takes them away again. */
  createRooms(count: number): Promise<number[]>;
  dropRooms(roomIds: number[]): Promise<void>;
  /** Member `member` (any number: users are a pool, reused round-robin) following the room. */
  subscribe(instance: number, roomId: number, member: number, options: SubscribeOptions): Subscriber;
  publisher(instance: number, roomId: number): Publisher;
  stop(): Promise<void>;
}

/** Sums the CPU time of every instance, in microseconds. */
export async function systemCpuMicros(system: System): Promise<number> {
  const each = await Promise.all(system.instances.map((p) => p.cpuMicros()));
  return each.reduce((a, b) => a + b, 0);
}

export async function systemMemory(system: System) {
  const each = await Promise.all(system.instances.map((p) => p.memory()));
  return {
    rss: each.reduce((a, m) => a + m.rss, 0),
    heapUsed: each.reduce((a, m) => a + m.heapUsed, 0),
    afterGc: each.every((m) => m.afterGc),
  };
}

/** Runs `task` over `items` with at most `limit` at once. */
export async function inBatches<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
