import type { RedisTarget } from "../redis";
import type { Bus } from "./bus";
import { createMemoryBus } from "./memory-bus";
import { createRedisBus, type RedisBusOptions } from "./redis-bus";

export * from "./bus";
export * from "./events";
export { createMemoryBus } from "./memory-bus";
export { createRedisBus } from "./redis-bus";

/** Redis (a server's URL or a cluster) when given (several processes), otherwise the in-process bus (one process). */
export function createBus(redis: RedisTarget | undefined, options?: RedisBusOptions): Bus {
  return redis ? createRedisBus(redis, options) : createMemoryBus();
}
