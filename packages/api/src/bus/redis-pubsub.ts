import type { Cluster, Redis } from "ioredis";
import { connectRedis, isCluster, type RedisTarget } from "../redis";

/**
 * Redis pub/sub as the bus uses it, on one server (PUBLISH, SUBSCRIBE) or on a Redis Cluster
 * (sharded: SPUBLISH, SSUBSCRIBE, each channel living on the master that owns its slot).
 */
export interface RedisPubSub {
  publish(channel: string, payload: string): Promise<unknown>;
  /** `publish` of each message, in order (classic: one pipeline, one write). Rejects if any failed. */
  publishAll(messages: readonly (readonly [channel: string, payload: string])[]): Promise<unknown>;
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

/** How often the cluster publisher tries a publish (redirections and reconnections) before it gives up. */
const PUBLISH_ATTEMPTS = 4;

/**
 * How long a send waits for its publish on a cluster, in ms, before it goes on as if the publish
 * failed (ioredis may still deliver it). A publish to a master that is away otherwise takes over a
 * second to fail.
 */
const PUBLISH_WAIT_MS = 300;

/** `promise`, or a rejection once `ms` have passed. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // its failure after the wait is no one's
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
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
    async publishAll(messages) {
      const pipeline = publisher.pipeline();
      for (const [channel, payload] of messages) pipeline.publish(channel, payload);
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },
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
 * Two cluster clients. The publisher's SPUBLISH goes to the master owning the channel's slot; a
 * send waits for it at most PUBLISH_WAIT_MS when that master is away (a send waits for its publish; the
 * subscribers heal the gap from the database). The subscriber keeps one connection per master that
 * owns subscribed channels (`shardedSubscribers`). When a
 * master goes away its subscriber connection ends; ioredis makes a new one, retrying with backoff,
 * and subscribes it again once it connects, announcing `subscribersReady` after every such round
 * (a failed one too, just after its `error`). The subscriptions are restored at the first round
 * without a failure after a node was lost.
 */
function shardedPubSub(target: RedisTarget, handlers: RedisPubSubHandlers): RedisPubSub {
  const publisher = connectRedis(
    target,
    { maxRetriesPerRequest: 1 },
    { maxRedirections: PUBLISH_ATTEMPTS, retryDelayOnFailover: 50, retryDelayOnClusterDown: 50 },
  ) as Cluster;
  publisher.on("error", () => {}); // ioredis reconnects by itself
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
    publish: (channel, payload) => within(publisher.spublish(channel, payload), PUBLISH_WAIT_MS, "SPUBLISH"),
    // Each channel to the master owning its slot: one by one (ioredis orders them per connection).
    publishAll: (messages) =>
      Promise.all(
        messages.map(([channel, payload]) => within(publisher.spublish(channel, payload), PUBLISH_WAIT_MS, "SPUBLISH")),
      ),
    subscribe: (channel) => cluster.ssubscribe(channel),
    unsubscribe: (channel) => cluster.sunsubscribe(channel),
    ping: () =>
      cluster.status === "ready"
        ? publisher.ping()
        : Promise.reject(new Error(`the subscribing cluster connection is ${cluster.status}`)),
    async close() {
      await Promise.allSettled([publisher.quit(), cluster.quit()]);
    },
  };
}
