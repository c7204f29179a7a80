import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * What a process tells Prometheus (`GET /metrics`), one registry per process: the transports
 * count their sockets and deliveries, the services time their sends. Names follow Prometheus'
 * conventions (`_total` for counters, base units).
 */
export interface Metrics {
  readonly registry: Registry;
  /** WebSocket connections open now (tRPC and the seed protocols). */
  readonly connections: Gauge;
  /** Live subscriptions open now (tRPC subscriptions and seed sockets following a room). */
  readonly subscriptions: Gauge;
  /** Events written to subscribers: one per event per subscriber. */
  readonly deliveries: Counter;
  /** How long a send takes, from the check of membership to the commit. */
  readonly sendSeconds: Histogram;
  /** Clients cut off because they stopped reading (see WS_MAX_BUFFERED_BYTES). */
  readonly slowClientsDropped: Counter;
  /** Requests refused by an abuse limit, by limit. */
  readonly limited: Counter<"limit">;
}

/** A fresh registry with Parley's metrics and Node's process metrics (`processMetrics: false` in tests). */
export function createMetrics({ processMetrics = true } = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({ name: "parley_connections", help: "WebSocket connections open", registers }),
    subscriptions: new Gauge({ name: "parley_subscriptions", help: "Live subscriptions open", registers }),
    deliveries: new Counter({
      name: "parley_deliveries_total",
      help: "Events written to subscribers, one per event and subscriber",
      registers,
    }),
    sendSeconds: new Histogram({
      name: "parley_send_duration_seconds",
      help: "Time to store and publish a message",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    slowClientsDropped: new Counter({
      name: "parley_slow_clients_dropped_total",
      help: "Clients cut off because they stopped reading",
      registers,
    }),
    limited: new Counter({
      name: "parley_limited_total",
      help: "Requests refused by an abuse limit",
      labelNames: ["limit"] as const,
      registers,
    }),
  };
}
