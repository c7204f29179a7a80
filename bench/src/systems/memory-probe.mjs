/**
 * Preloaded (`--import`) into every process under test, Parley's and the peers' alike, so that
 * the bench can ask over the IPC channel for memory after a full collection without changing
 * their code. Needs `--expose-gc`; without it the answer says so and is taken before any GC.
 * Plain JavaScript: it loads without tsx too, beside the realtime bundle.
 */
process.on("message", (message) => {
  if (message !== "bench:memory") return;
  const gc = globalThis.gc;
  gc?.();
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send?.({ type: "bench:memory", rss, heapUsed, afterGc: gc !== undefined });
});
