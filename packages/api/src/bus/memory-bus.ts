import { type Bus, type ChannelRegistry, ChannelSubscription, type EventQueue } from "./bus";
import { type BusEvent, type Channel, channelOf } from "./events";

/** The bus of a single process: the all-in-one mode and tests. */
export function createMemoryBus(): Bus {
  const listeners = new Map<Channel, Set<EventQueue>>();
  const registry: ChannelRegistry = {
    async attach(channel, queue) {
      const queues = listeners.get(channel) ?? new Set<EventQueue>();
      listeners.set(channel, queues);
      queues.add(queue);
    },
    detach(channel, queue) {
      const queues = listeners.get(channel);
      queues?.delete(queue);
      if (queues?.size === 0) listeners.delete(channel);
    },
  };

  return {
    async publish(event) {
      for (const queue of listeners.get(channelOf(event)) ?? []) queue.push(event);
    },
    async subscribe(channels, signal) {
      const subscription = new ChannelSubscription(registry, signal);
      await subscription.addChannels(channels);
      return subscription;
    },
    async close() {
      const queues = new Set([...listeners.values()].flatMap((set) => [...set]));
      for (const queue of queues) queue.fail(new Error("the bus was closed"));
      listeners.clear();
    },
  };
}

export type { BusEvent };
