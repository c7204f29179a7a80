import { type Bus, EventQueue } from "./bus";
import { type BusEvent, type Channel, channelOf } from "./events";

/** The bus of a single process: the all-in-one mode and tests. */
export function createMemoryBus(): Bus {
  const listeners = new Map<Channel, Set<EventQueue>>();

  return {
    async publish(event) {
      for (const queue of listeners.get(channelOf(event)) ?? []) queue.push(event);
    },
    async subscribe(channel, signal) {
      const queues = listeners.get(channel) ?? new Set<EventQueue>();
      listeners.set(channel, queues);
      const queue = new EventQueue(signal, () => {
        queues.delete(queue);
        if (queues.size === 0 && listeners.get(channel) === queues) listeners.delete(channel);
      });
      if (!signal.aborted) queues.add(queue);
      return queue;
    },
    async close() {
      for (const queues of listeners.values()) for (const q of queues) q.fail(new Error("the bus was closed"));
      listeners.clear();
    },
  };
}

export type { BusEvent };
