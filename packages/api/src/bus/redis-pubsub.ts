import type { Cluster, Redis } from "ioredis";
import { connectRedis, isCluster, type RedisTarget } from "../redis";

/**
 * Redis pub/sub as the bus uses it, on one server (PUBLISH, SUBSCRIBE) or on a Redis Cluster
 * (sharded: SPUBLISH, SSUBSCRIBE, each channel living on the master that owns its slot).
 */
export interface RedisPubSub {
  publish(channel: string, payload: string): Promise<unknown>;
  /** Resolves once messages published to `channel` reach the `onMessage` handler. */
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  /** Resolves when Redis answers and the subscriber connection is up; rejects saying what is wrong. */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

export interface RedisPubSubHandlers {
  /** A message on a subscribed channel (its full Redis name). */
  onMessage(channel: string, payload: string): void;
  /**
   * The subscriptions are live again after a connection carrying some of them was lost: whatever
   * was published to them meanwhile is lost.
   */
  onRestored(): void;
}

/** Pub/sub on `target`: classic on one server, sharded on a cluster. */
export function connectPubSub(target: RedisTarget, handlers: RedisPubSubHandlers): RedisPubSub {
  return isCluster(target) ? shardedPubSub(target, handlers) : classicPubSub(target, handlers);
}

/** One publishing and one subscribing connection; ioredis subscribes again after a reconnect. */
function classicPubSub(url: string, handlers: RedisPubSubHandlers): RedisPubSub {
  const publisher = connectRedis(url, { lazyConnect: false, maxRetriesPerRequest: 3 }) as Redis;
  const subscriber = connectRedis(url, { lazyConnect: false, maxRetriesPerRequest: null }) as Redis;
  for (const client of [publisher, subscriber]) client.on("error", () => {}); // ioredis reconnects by itself
  let connectedBefore = false;
  subscriber.on("ready", () => {
    if (connectedBefore) handlers.onRestored();
    connectedBefore = true;
  });
  subscriber.on("message", handlers.onMessage);
  return {
    publish: (channel, payload) => publisher.publish(channel, payload),
    subscribe: (channel) => subscriber.subscribe(channel),
    unsubscribe: (channel) => subscriber.unsubscribe(channel),
    ping: () =>
      Promise.all([
        publisher.ping(),
        subscriber.status === "ready"
          ? undefined
          : Promise.reject(new Error(`the subscriber connection is ${subscriber.status}`)),
      ]),
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

/**
 * One cluster client: SPUBLISH goes to the master owning the channel's slot, and ioredis keeps one
 * subscriber connection per master that owns subscribed channels (`shardedSubscribers`). When a
 * master goes away its subscriber connection ends; ioredis makes a new one, retrying with backoff,
 * and subscribes it again once it connects, announcing `subscribersReady` after every such round
 * (a failed one too, just after its `error`). The subscriptions are restored at the first round
 * without a failure after a node was lost.
 */
function shardedPubSub(target: RedisTarget, handlers: RedisPubSubHandlers): RedisPubSub {
  const cluster = connectRedis(target, { maxRetriesPerRequest: 3 }, { shardedSubscribers: true }) as Cluster;
  let started = false;
  let lost = false;
  let failedThisRound = false;
  cluster.on("error", () => {
    failedThisRound = true; // ioredis reconnects by itself
  });
  cluster.on("-node", () => {
    if (started) lost = true;
  });
  cluster.on("subscribersReady", () => {
    const failed = failedThisRound;
    failedThisRound = false;
    if (!started) started = true;
    else if (lost && !failed) {
      lost = false;
      // ioredis has just written the SSUBSCRIBEs on the new connection: they reach Redis before the
      // database reads that the resync causes, and a gap left anyway is filled at the next message.
      handlers.onRestored();
    }
  });
  cluster.on("smessage", handlers.onMessage);
  return {
    publish: (channel, payload) => cluster.spublish(channel, payload),
    subscribe: (channel) => cluster.ssubscribe(channel),
    unsubscribe: (channel) => cluster.sunsubscribe(channel),
    ping: () =>
      cluster.status === "ready"
        ? cluster.ping()
        : Promise.reject(new Error(`the cluster connection is ${cluster.status}`)),
    async close() {
      await cluster.quit().catch(() => {});
    },
  };
}
