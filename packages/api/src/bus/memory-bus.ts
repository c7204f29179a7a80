import { type Bus, EventQueue } from "./bus";
import { type BusEvent, type Channel, channelOf } from "./events";

/** The bus of a single process: the all-in-one mode and tests. */
export function createMemoryBus(): Bus {
  const listeners = new Map<Channel, Set<EventQueue>>();

  return {
    async publish(event) {
      for (const queue of listeners.get(channelOf(event)) ?? []) queue.push(event);
    },
    async subscribe(channels, signal) {
      const names = [channels].flat();
      const queue = new EventQueue(signal, () => {
        for (const channel of names) {
          const queues = listeners.get(channel);
          queues?.delete(queue);
          if (queues?.size === 0) listeners.delete(channel);
        }
      });
      if (signal.aborted) return queue;
      for (const channel of names) {
        const queues = listeners.get(channel) ?? new Set<EventQueue>();
        listeners.set(channel, queues);
        queues.add(queue);
      }
      return queue;
    },
    async close() {
      for (const queues of listeners.values()) for (const q of queues) q.fail(new Error("the bus was closed"));
      listeners.clear();
    },
  };
}

export type { BusEvent };
