import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PROFILES, type ProfileName } from "./profiles";
import { type BenchResult, describeMachine, emptyResult, writeReport } from "./report";
import { startParley } from "./systems/parley";
import { startPeer } from "./systems/peers";
import { hasTaskset } from "./systems/pinned-process";
import { SYSTEM_NAMES, type System, type SystemName } from "./systems/system";
import { runConnections } from "./workloads/connections";
import { runFanout } from "./workloads/fanout";
import { runFlood } from "./workloads/flood";
import { runHistory } from "./workloads/history";
import { runPeople } from "./workloads/people";
import { runSearch } from "./workloads/search";
import { runSendPath } from "./workloads/send-path";
import { runSlowConsumer } from "./workloads/slow-consumer";
import { runStore } from "./workloads/store";

const WORKLOADS = ["fanout", "connections", "send", "store", "history", "people", "slow", "flood", "search"] as const;
type Workload = (typeof WORKLOADS)[number];

const USAGE = `Usage: npm run bench -- [options]

Runs the workloads against Parley and its peers in one run, and writes
bench/results/<date>[-<label>].{md,json,svg}.

Options:
  --profile <name>     ${Object.keys(PROFILES).join(" | ")} (default quick)
  --only <list>        workloads, comma-separated (default all): ${WORKLOADS.join(",")}
  --systems <list>     systems, comma-separated (default all): ${SYSTEM_NAMES.join(",")}
  --label <text>       added to the report's file names
  --out <dir>          where reports go (default bench/results)
  --people-steps <n,…> the people workload's steps (people per step) instead of the profile's
  --cpu-prof           write V8 CPU profiles of every process under test to <out>/cpu-profiles
  --help               this text
`;

/** Stops the run with a plain message and the usage, exit code 2: the caller's mistake. */
function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

const options = {
  help: { type: "boolean", default: false },
  profile: { type: "string", default: "quick" },
  only: { type: "string", default: WORKLOADS.join(",") },
  systems: { type: "string", default: SYSTEM_NAMES.join(",") },
  out: { type: "string", default: fileURLToPath(new URL("../results", import.meta.url)) },
  /** Added to the report's file names: `<date>-<label>.md` (for a run of some workloads only). */
  label: { type: "string" },
  "cpu-prof": { type: "boolean", default: false },
  /** The people workload's steps (people per step, comma-separated), instead of the profile's. */
  "people-steps": { type: "string" },
  /** Set by the bench itself when it has re-executed itself under `taskset -c 0`. */
  pinned: { type: "boolean", default: false },
} as const;
const values = (() => {
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
})();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/** Open files per process for the run, where the limit can be raised. */
const OPEN_FILES = 262_144;

function canRaiseOpenFiles(): boolean {
  return spawnSync("prlimit", [`--nofile=${OPEN_FILES}:${OPEN_FILES}`, "true"], { stdio: "ignore" }).status === 0;
}

// The generator takes core 0, every process under test core 1.
if (hasTaskset && !values.pinned) {
  const self = fileURLToPath(import.meta.url);
  const args = ["-c", "0", process.execPath, "--import", "tsx", self, ...process.argv.slice(2), "--pinned"];
  // The full profile's 50k connections need a socket each on both ends: more open files than
  // the usual limit. Raised for the run where that is allowed (prlimit, util-linux).
  const pinned = ["taskset", ...args];
  const [command = "taskset", ...rest] = canRaiseOpenFiles()
    ? ["prlimit", `--nofile=${OPEN_FILES}:${OPEN_FILES}`, ...pinned]
    : pinned;
  const { status } = spawnSync(command, rest, { stdio: "inherit" });
  process.exit(status ?? 1);
}

/** This process's open-file limit (`ulimit -n`), raised above or not. */
const openFilesLimit = Number(spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).stdout.trim()) || 1024;

const profileName = values.profile as ProfileName;
const profile = PROFILES[profileName];
if (!profile) usageError(`--profile must be one of ${Object.keys(PROFILES).join(", ")}`);
const only = new Set(values.only.split(",") as Workload[]);
const systems = values.systems.split(",") as SystemName[];
for (const w of only) if (!WORKLOADS.includes(w)) usageError(`unknown workload ${w}: ${WORKLOADS.join(", ")}`);
for (const s of systems) if (!SYSTEM_NAMES.includes(s)) usageError(`unknown system ${s}: ${SYSTEM_NAMES.join(", ")}`);

const peopleSteps = values["people-steps"]?.split(",").map(Number);
if (peopleSteps?.some((n) => !Number.isInteger(n) || n < 1))
  usageError(`--people-steps must be whole numbers of people, comma-separated: ${values["people-steps"]}`);

const outDir = path.resolve(values.out);
mkdirSync(outDir, { recursive: true });
const cpuProfDir = values["cpu-prof"] ? path.join(outDir, "cpu-profiles") : undefined;
const started = performance.now();
const result: BenchResult = emptyResult(profileName, describeMachine(hasTaskset));

// Search runs on a Parley of its own (below): alone, it needs none of these systems.
const onEverySystem = WORKLOADS.some((w) => w !== "search" && only.has(w));
for (const name of onEverySystem ? systems : []) {
  console.log(`${name}: starting`);
  const t0 = performance.now();
  const system: System =
    name === "parley" ? await startParley({ users: profile.users, cpuProfDir }) : await startPeer(name, { cpuProfDir });
  result.systems[name] = { description: system.description, startMs: Math.round(performance.now() - t0) };
  try {
    if (only.has("fanout")) {
      for (const subscribers of profile.fanout.subscribers)
        result.fanout.push(await runFanout(system, { ...profile.fanout, subscribers }));
      const { rooms, members, rates } = profile.manyRooms;
      result.fanout.push(await runFanout(system, { ...profile.fanout, rates, rooms, subscribers: rooms * members }));
    }
    if (only.has("connections"))
      for (const connections of profile.connections.counts) {
        // The generator holds one socket per connection: past its open-file limit it cannot open them.
        if (connections + 1000 > openFilesLimit) {
          result.skipped.push(`connections ${system.name} ${connections}: over the open-file limit ${openFilesLimit}`);
          continue;
        }
        result.connections.push(
          await runConnections(system, { connections, localAddresses: profile.connections.localAddresses }),
        );
      }
    if (only.has("slow")) result.slowConsumer.push(await runSlowConsumer(system, profile.slowConsumer));
    if (system.name === "parley" && "tokens" in system) {
      const parley = system as Awaited<ReturnType<typeof startParley>>;
      if (only.has("send")) result.sendPath = await runSendPath(parley, { ...profile.sendPath, cpuProfDir });
      if (only.has("store")) result.store = await runStore(parley, profile.store);
      if (only.has("history")) result.history = await runHistory(parley, profile.history);
      if (only.has("people")) {
        const steps = peopleSteps ?? profile.people.steps;
        result.people = await runPeople(parley, { ...profile.people, steps });
      }
      // Last on this system (its limits lifted): an unlimited flood leaves a backlog behind it.
      if (only.has("flood")) result.flood.push(await runFlood(parley, profile.flood));
    }
  } finally {
    await system.stop();
  }
}

// The flood once more, on a Parley of its own with its default abuse limits (after the others have
// stopped: every system under test shares one core).
if (only.has("flood") && systems.includes("parley")) {
  console.log("parley, default limits: starting");
  const limited = await startParley({ users: profile.users, defaultLimits: true });
  try {
    result.flood.push(await runFlood(limited, profile.flood));
  } finally {
    await limited.stop();
  }
}

// Search on a Parley of its own: its corpus (a million messages in the quick profile) is seeded
// into a fresh database, apart from every other workload's rooms.
if (only.has("search") && systems.includes("parley")) {
  console.log("parley, search corpus: starting");
  const searching = await startParley({ users: 2 });
  try {
    result.search = await runSearch(searching, profile.search);
  } finally {
    await searching.stop();
  }
}

result.wallSeconds = Math.round((performance.now() - started) / 100) / 10;
const files = writeReport(result, outDir, values.label);
console.log(`wrote ${files.join(", ")} in ${result.wallSeconds} s`);
process.exit(0);
