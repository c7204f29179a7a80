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

/**
 * With `BENCH_ALLOC_PROF_DIR` set: V8's sampling heap profiler runs from start to exit, counting
 * the objects young and old collections freed too (what a process allocates, not what it holds),
 * one sample per 4 KiB on average, and writes `<dir>/alloc-<pid>.heapprofile` on exit (open it
 * in Chrome DevTools' Memory tab). For finding what a workload allocates per operation.
 */
const allocDir = process.env.BENCH_ALLOC_PROF_DIR;
if (allocDir) {
  const [{ Session }, { writeFileSync, mkdirSync }] = await Promise.all([import("node:inspector"), import("node:fs")]);
  const session = new Session();
  session.connect();
  session.post("HeapProfiler.startSampling", {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.on("exit", () => {
    // A session of the process's own thread answers synchronously.
    session.post("HeapProfiler.stopSampling", (error, result) => {
      if (error) return;
      mkdirSync(allocDir, { recursive: true });
      writeFileSync(`${allocDir}/alloc-${process.pid}.heapprofile`, JSON.stringify(result.profile));
    });
  });
}
