import type { Bus } from "./bus";
import { createMemoryBus } from "./memory-bus";
import { createRedisBus, type RedisBusOptions } from "./redis-bus";

export * from "./bus";
export * from "./events";
export { createMemoryBus } from "./memory-bus";
export { createRedisBus } from "./redis-bus";

/** Redis when a URL is given (several processes), otherwise the in-process bus (one process). */
export function createBus(redisUrl: string | undefined, options?: RedisBusOptions): Bus {
  return redisUrl ? createRedisBus(redisUrl, options) : createMemoryBus();
}
