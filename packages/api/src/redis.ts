import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** One seed node of a Redis Cluster (REDIS_CLUSTER_NODES): the client learns the others from it. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: the URL of one server (`redis://` or `rediss://`, REDIS_URL), or the seed nodes of
 * a Redis Cluster (REDIS_CLUSTER_NODES), whose bus then uses sharded pub/sub.
 */
export type RedisTarget = string | { clusterNodes: RedisClusterNode[] };

/** A connection to one Redis server or to a Redis Cluster: the commands Parley uses are the same. */
export type RedisClient = Redis | Cluster;

export const isCluster = (target: RedisTarget): target is { clusterNodes: RedisClusterNode[] } =>
  typeof target !== "string";

/**
 * Opens a connection to `target` with `options` (ioredis's, for each node of a cluster). On a
 * cluster, `cluster` adds the options of the cluster client (`shardedSubscribers` for the bus, one
 * subscriber connection per master) and `enableOfflineQueue` applies to the cluster as a whole.
 * Errors are left to the caller's `error` listener; ioredis reconnects by itself.
 */
export function connectRedis(
  target: RedisTarget,
  options: RedisOptions = {},
  cluster: Omit<ClusterOptions, "redisOptions"> = {},
): RedisClient {
  if (!isCluster(target)) return new Redis(target, options);
  const { enableOfflineQueue, ...redisOptions } = options;
  return new Cluster(target.clusterNodes, {
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...cluster,
    redisOptions,
  });
}

/**
 * The seed nodes of REDIS_CLUSTER_NODES: `host:port` entries, comma-separated (`10.0.0.1:7000,
 * 10.0.0.2:7000`; IPv6 as `[::1]:7000`). Throws an Error naming the first entry that is not one.
 */
export function parseClusterNodes(value: string): RedisClusterNode[] {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("give at least one host:port");
  return entries.map((entry) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) throw new Error(`"${entry}" is not host:port`);
    return { host: (match[1] ?? match[2]) as string, port };
  });
}
