import * as hdr from "hdr-histogram-js";

export interface LatencySummary {
  count: number;
  p50Ms: number;
  /** Since the search workload (absent from older results). */
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Latencies in microseconds in an HDR histogram (3 significant digits), reported in milliseconds. */
export class Latency {
  private histogram = hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  summary(): LatencySummary {
    const h = this.histogram;
    const ms = (micros: number) => Math.round(micros) / 1000;
    return {
      count: h.totalCount,
      p50Ms: ms(h.getValueAtPercentile(50)),
      p95Ms: ms(h.getValueAtPercentile(95)),
      p99Ms: ms(h.getValueAtPercentile(99)),
      maxMs: ms(h.maxValue),
    };
  }
}

/** The generator's own CPU use from now on, as a fraction of one core (process.cpuUsage). */
export function generatorCpu(): () => number {
  const start = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / Math.max(1, performance.now() - t0);
  };
}

/** Above this the generator, not the system under test, may be what limits a step. */
export const GENERATOR_SATURATED = 0.9;

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
