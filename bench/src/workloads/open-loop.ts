/**
 * Sends at a fixed rate whatever the system does (open loop): message k is due at
 * start + k/rate and is stamped with that scheduled time, so a slow system shows up as latency
 * instead of as a slower sender (no coordinated omission). Resolves with the number sent.
 */
export function openLoop(rate: number, seconds: number, send: (scheduled: number, n: number) => void): Promise<number> {
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let n = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      for (; n < due; n++) send(start + (n * 1000) / rate, n);
      if (n < total) setTimeout(tick, 1);
      else resolve(n);
    };
    tick();
  });
}
