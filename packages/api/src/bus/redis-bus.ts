import type { RedisTarget } from "../redis";
import { type Bus, ChannelListeners, type ChannelRegistry, ChannelSubscription } from "./bus";
import { type BusEvent, type Channel, channelOf } from "./events";
import { connectPubSub } from "./redis-pubsub";

export interface RedisBusOptions {
  /** Prefix of every Redis channel name, so that several deployments can share a Redis. */
  prefix?: string;
  /** Told about a publish that could not reach Redis: subscribers heal such gaps from the database. */
  onError?: (error: unknown) => void;
}

interface ChannelEntry {
  listeners: ChannelListeners;
  ready: Promise<unknown>;
}

/**
 * The bus between processes, over one Redis server (a URL: PUBLISH and SUBSCRIBE on one publishing
 * and one subscribing connection) or a Redis Cluster (sharded pub/sub: each channel, a room's or a
 * user's, lives on the master that owns its slot). A channel is subscribed in Redis only while
 * somebody in this process listens to it, and each Redis message is parsed once for all of its
 * local listeners.
 */
export function createRedisBus(target: RedisTarget, options: RedisBusOptions = {}): Bus {
  const prefix = options.prefix ?? "parley:";
  const onError = options.onError ?? ((error) => console.error("[bus] publish failed:", error));
  const channels = new Map<Channel, ChannelEntry>();

  const pubsub = connectPubSub(target, {
    // After a reconnect the subscriptions are live again, but what was published meanwhile is lost.
    onRestored() {
      const resync: BusEvent = { type: "bus.resync" };
      for (const { listeners } of channels.values()) listeners.giveUpWaiting();
      for (const queue of subscribedQueues()) queue.push(resync);
    },
    onMessage(redisChannel, payload) {
      const entry = channels.get(redisChannel.slice(prefix.length) as Channel);
      if (!entry) return;
      let event: BusEvent;
      try {
        event = JSON.parse(payload) as BusEvent;
      } catch {
        return; // not ours
      }
      entry.listeners.deliver(event);
    },
  });

  /** Every subscriber once, however many of its channels it listens to. */
  const subscribedQueues = () => new Set([...channels.values()].flatMap((entry) => [...entry.listeners.queues]));

  const registry: ChannelRegistry = {
    attach(channel, queue) {
      let entry = channels.get(channel);
      if (!entry) {
        entry = { listeners: new ChannelListeners(), ready: pubsub.subscribe(prefix + channel) };
        channels.set(channel, entry);
      }
      entry.listeners.queues.add(queue);
      return entry.ready;
    },
    detach(channel, queue) {
      const entry = channels.get(channel);
      if (!entry) return;
      entry.listeners.queues.delete(queue);
      if (entry.listeners.queues.size > 0) return;
      entry.listeners.giveUpWaiting();
      channels.delete(channel);
      pubsub.unsubscribe(prefix + channel).catch(() => {});
    },
  };

  return {
    async publish(event) {
      try {
        await pubsub.publish(prefix + channelOf(event), JSON.stringify(event));
      } catch (error) {
        onError(error);
      }
    },
    async publishAll(events) {
      try {
        await pubsub.publishAll(events.map((event) => [prefix + channelOf(event), JSON.stringify(event)] as const));
      } catch (error) {
        onError(error);
      }
    },
    async ping() {
      await pubsub.ping();
    },
    async subscribe(wanted, signal) {
      const subscription = new ChannelSubscription(registry, signal);
      await subscription.addChannels(wanted);
      return subscription;
    },
    async close() {
      for (const queue of subscribedQueues()) queue.fail(new Error("the bus was closed"));
      channels.clear();
      await pubsub.close();
    },
  };
}
