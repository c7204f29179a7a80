import { type Bus, ChannelListeners, type ChannelRegistry, ChannelSubscription } from "./bus";
import { type BusEvent, type Channel, channelOf } from "./events";

/** The bus of a single process: the all-in-one mode and tests. */
export function createMemoryBus(): Bus {
  const listeners = new Map<Channel, ChannelListeners>();
  const registry: ChannelRegistry = {
    async attach(channel, queue) {
      const entry = listeners.get(channel) ?? new ChannelListeners();
      listeners.set(channel, entry);
      entry.queues.add(queue);
    },
    detach(channel, queue) {
      const entry = listeners.get(channel);
      entry?.queues.delete(queue);
      if (entry?.queues.size !== 0) return;
      entry.giveUpWaiting();
      listeners.delete(channel);
    },
  };

  return {
    async publish(event) {
      listeners.get(channelOf(event))?.deliver(event);
    },
    async subscribe(channels, signal) {
      const subscription = new ChannelSubscription(registry, signal);
      await subscription.addChannels(channels);
      return subscription;
    },
    async close() {
      const queues = new Set([...listeners.values()].flatMap((entry) => [...entry.queues]));
      for (const queue of queues) queue.fail(new Error("the bus was closed"));
      listeners.clear();
    },
  };
}

export type { BusEvent };
