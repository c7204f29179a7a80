/**
 * Server CPU per `messages.send` over the tRPC WebSocket (issue 17): one realtime instance of the
 * bench's Parley system, one publisher socket, `calls` sends closed loop with `concurrency` in
 * flight (after `calls / 5` to warm up), and the instance's CPU time (user + system, from the OS)
 * over them, divided by the calls. Repeated `rounds` times on the same instance. The CPU is the
 * server process's own, so the client's work and the machine's load do not count; A/B changes are
 * compared by running this on each, alternately.
 * Usage: node --import tsx bench/src/tools/send-cpu.ts [calls=5000] [concurrency=16] [rounds=3]
 */
import type { parleyPublisher } from "../clients/parley-client";
import { startParley } from "../systems/parley";

const calls = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 16);
const rounds = Number(process.argv[4] ?? 3);

async function closedLoop(call: (body: string) => Promise<void>, count: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(`send-cpu ${next++}`);
    }),
  );
}

const system = await startParley({ users: 2 });
try {
  const roomId = await system.createRoom();
  const instance = system.instances[0];
  if (!instance) throw new Error("no instance");
  const publisher = system.publisher(0, roomId) as ReturnType<typeof parleyPublisher>;
  await publisher.ready;
  await closedLoop(publisher.call, Math.ceil(calls / 5));
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpu0 = await instance.cpuMicros();
    const t0 = performance.now();
    await closedLoop(publisher.call, calls);
    const cpu1 = await instance.cpuMicros();
    const seconds = (performance.now() - t0) / 1000;
    perCall.push((cpu1 - cpu0) / calls);
    console.error(`round ${round}: ${((cpu1 - cpu0) / calls).toFixed(1)} us/call, ${Math.round(calls / seconds)}/s`);
  }
  const sorted = [...perCall].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      calls,
      concurrency,
      usPerCall: perCall.map((x) => Math.round(x)),
      median: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    }),
  );
  publisher.close();
} finally {
  await system.stop();
}
