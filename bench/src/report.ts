import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SystemName } from "./systems/system";
import type { ConnectionsResult } from "./workloads/connections";
import type { FanoutResult } from "./workloads/fanout";
import type { FloodResult } from "./workloads/flood";
import type { HistoryResult } from "./workloads/history";
import { DELIVERY_P99_LIMIT_MS, type PeopleResult } from "./workloads/people";
import type { SearchResult } from "./workloads/search";
import { CHANGE_ROWS, type SendPathRow, WS_SEND_ROW } from "./workloads/send-path";
import type { SlowConsumerResult } from "./workloads/slow-consumer";
import type { StoreRow } from "./workloads/store";

export interface BenchResult {
  date: string;
  profile: string;
  machine: Record<string, string | number | boolean>;
  wallSeconds: number;
  systems: Partial<Record<SystemName, { description: string; startMs: number }>>;
  fanout: FanoutResult[];
  connections: ConnectionsResult[];
  sendPath: SendPathRow[];
  /** Absent from results written before the store workload (issue 17). */
  store?: StoreRow[];
  history: HistoryResult | null;
  slowConsumer: SlowConsumerResult[];
  /** Absent from results written before the flood workload. */
  flood: FloodResult[];
  /** Measurements the run could not make here, and why. */
  skipped: string[];
  /** Absent from results written before the search workload (issue 16). */
  search?: SearchResult | null;
  /** Absent from results written before the people workload (issue 17). */
  people?: PeopleResult | null;
}

const version = (command: string, args: string[]) => {
  try {
    return execFileSync(command, args, { encoding: "utf8" }).trim().split("\n")[0] ?? "";
  } catch {
    return "unknown";
  }
};

export function describeMachine(pinned: boolean): BenchResult["machine"] {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: version("psql", ["--version"]),
    redis: version("redis-server", ["--version"]),
    pinning: pinned ? "generator on core 0, every system process on core 1 (taskset)" : "none (no taskset)",
  };
}

export function emptyResult(profile: string, machine: BenchResult["machine"]): BenchResult {
  return {
    date: new Date().toISOString(),
    profile,
    machine,
    wallSeconds: 0,
    systems: {},
    fanout: [],
    connections: [],
    sendPath: [],
    store: [],
    history: null,
    slowConsumer: [],
    flood: [],
    skipped: [],
    search: null,
    people: null,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const int = (n: number) => Math.round(n).toLocaleString("en");
const ms = (n: number) => (n >= 100 ? int(n) : n.toFixed(1));
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const ratio = (value: number, parley: number | undefined) =>
  parley && parley > 0 && value > 0 ? `${(value / parley).toFixed(1)}×` : "–";

export function markdown(r: BenchResult): string {
  const lines: string[] = [];
  const m = r.machine;
  lines.push(`# Parley benchmarks: ${r.profile} profile, ${r.date.slice(0, 10)}`, "");
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, ${m.postgres}, ${m.redis}. ` +
      `Pinning: ${m.pinning}. PostgreSQL and Redis are not pinned. Wall time ${r.wallSeconds} s.`,
    "",
  );
  for (const [name, s] of Object.entries(r.systems)) lines.push(`- \`${name}\`: ${s.description}`);
  lines.push("");
  if (r.skipped?.length) lines.push("Not measured on this machine:", "", ...r.skipped.map((s) => `- ${s}`), "");

  if (r.people) lines.push(...peopleMarkdown(r.people));

  if (r.fanout.length) {
    lines.push("## Fan-out: subscribers on two instances, 100-byte messages", "");
    lines.push(
      "One room with every subscriber in it, then many rooms of a few members each (the publisher sends to each room in turn). Best step: the highest deliveries/s with p99 ≤ 250 ms, nothing lost and the generator below 90% of its core.",
      "",
      "| system | subscribers | best deliveries/s | vs Parley | p50 / p99 / max ms at best | SUT CPU µs/delivery at best | setup: open ms |",
      "|---|---|---|---|---|---|---|",
    );
    for (const f of r.fanout) {
      const parley = r.fanout.find(
        (p) => p.system === "parley" && p.subscribers === f.subscribers && roomsOf(p) === roomsOf(f),
      );
      const best = f.steps.find((s) => s.deliveriesPerSec === f.bestDeliveriesPerSec && s.passed);
      lines.push(
        `| ${f.system} | ${audience(f)} | ${int(f.bestDeliveriesPerSec)} | ${ratio(f.bestDeliveriesPerSec, parley?.bestDeliveriesPerSec)} | ${best ? `${ms(best.p50Ms)} / ${ms(best.p99Ms)} / ${ms(best.maxMs)}` : "–"} | ${best ? best.sutCpuMicrosPerDelivery : "–"} | ${int(f.openMs)} |`,
      );
    }
    lines.push(
      "",
      "Every step:",
      "",
      "| system | subscribers | msgs/s | deliveries/s | p50 | p99 | max ms | lost | SUT µs/delivery | generator cores | |",
    );
    lines.push("|---|---|---|---|---|---|---|---|---|---|---|");
    for (const f of r.fanout)
      for (const s of f.steps)
        lines.push(
          `| ${f.system} | ${audience(f)} | ${s.rate} | ${int(s.deliveriesPerSec)} | ${ms(s.p50Ms)} | ${ms(s.p99Ms)} | ${ms(s.maxMs)} | ${int(s.lost)} | ${s.sutCpuMicrosPerDelivery} | ${s.generatorCpu}${s.generatorSaturated ? " (saturated)" : ""} | ${s.passed ? "pass" : "**fail**"} |`,
        );
    lines.push("");
  }

  if (r.connections.length) {
    lines.push("## Connections: idle, authenticated, each following one room", "");
    lines.push(
      "Memory of both instances after a full GC, minus the same before opening. Parley's connections also follow `events.mine`.",
      "",
      "| system | connections | failed | time to open | connections/s | CPU / connection opened | RSS / connection | vs Parley | heap / connection |",
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const c of r.connections) {
      const parley = r.connections.find((p) => p.system === "parley" && p.connections === c.connections);
      lines.push(
        `| ${c.system} | ${int(c.connections)} | ${c.failed} | ${int(c.openMs)} ms | ${int(c.connectionsPerSec)} | ${c.cpuPerConnectionMicros === undefined ? "—" : `${int(c.cpuPerConnectionMicros)} µs`} | ${kib(c.rssPerConnectionBytes)} | ${ratio(c.rssPerConnectionBytes, parley?.rssPerConnectionBytes)} | ${kib(c.heapPerConnectionBytes)} |`,
      );
    }
    lines.push("");
  }

  if (r.sendPath.length) {
    lines.push("## Send path (Parley: each message stored in PostgreSQL and published on Redis)", "");
    const ceiling = r.sendPath.find((s) => s.path.startsWith("ceiling"))?.maxRequestsPerSec;
    const ofCeiling = (n: number) => (ceiling && n ? `${(n / ceiling).toFixed(2)}×` : "–");
    lines.push(
      "| path | max requests/s (closed loop) | vs the same handler in bare node:http | p50 / p99 / max ms at half that rate (open loop) | failed | |",
    );
    lines.push("|---|---|---|---|---|---|");
    for (const s of r.sendPath)
      lines.push(
        `| ${s.path} | ${s.maxRequestsPerSec ? int(s.maxRequestsPerSec) : "–"} | ${ofCeiling(s.maxRequestsPerSec)} | ${s.halfRate ? `${ms(s.atHalfRate.p50Ms)} / ${ms(s.atHalfRate.p99Ms)} / ${ms(s.atHalfRate.maxMs)} (at ${int(s.halfRate)}/s)` : "–"} | ${s.failed} | ${s.note ?? ""} |`,
      );
    lines.push("");
  }

  if (r.store?.length) {
    lines.push(
      "## Store path (issue 17: messages committed per second by one realtime instance, group commit)",
      "",
      "Each Parley row: `messages.send` over tRPC WebSocket to one instance, that many in flight, closed loop; then open loop at half that rate. Each anchor: the group commit's own statement (send-batch.ts, one prepared statement per batch that mentions nobody) for batches of half the senders, two at once, in bare postgres.js, nothing else: the physical ceiling.",
      "",
      "| path | rooms | stored messages/s | vs its anchor | p50 / p99 / max ms at half that rate | commits per message | failed |",
      "|---|---|---|---|---|---|---|",
    );
    for (const s of r.store) {
      const anchor = s.path.startsWith("anchor")
        ? undefined
        : r.store.find((a) => a.path.startsWith("anchor") && a.rooms === s.rooms);
      lines.push(
        `| ${s.path} | ${int(s.rooms)} | ${int(s.maxPerSec)} | ${anchor?.maxPerSec ? `${(s.maxPerSec / anchor.maxPerSec).toFixed(2)}×` : "–"} | ${s.atHalfRate ? `${ms(s.atHalfRate.p50Ms)} / ${ms(s.atHalfRate.p99Ms)} / ${ms(s.atHalfRate.maxMs)} (at ${int(s.halfRate)}/s)` : "–"} | ${s.commitsPerMessage ?? "–"} | ${s.failed} |`,
      );
    }
    lines.push("");
  }

  const changes = changesVsSend(r.sendPath);
  if (changes.length) {
    lines.push(
      "Changes to a message against the send, over the same tRPC WebSockets (the room owner's, as many as the send's concurrency). Each call is a real change that takes the room's next sequence number, on messages made beforehand in SQL:",
      "",
      "| change | max requests/s vs send | p99 at half rate vs send | SQL statements per call (send: " +
        `${r.sendPath.find((row) => row.path === WS_SEND_ROW)?.statements?.perRequest ?? "–"}) |`,
      "|---|---|---|---|",
      ...changes.map(
        (c) => `| ${c.change} | ${c.throughput.toFixed(2)}× | ${c.p99.toFixed(2)}× | ${c.statements ?? "–"} |`,
      ),
      "",
    );
    const counted = r.sendPath.filter((row) => row.statements);
    if (counted.length)
      lines.push(
        "Statements per call as PostgreSQL logged them (`log_statement=all` on the bench database, a third realtime instance, 10 calls over tRPC HTTP after 3 of warm-up; transactions' `begin`/`commit` included):",
        "",
        "| call | per call | statement (column list elided, first 200 characters) |",
        "|---|---|---|",
        ...counted.flatMap((row) =>
          (row.statements?.statements ?? []).map(
            (st) =>
              `| ${row.path === WS_SEND_ROW ? "send" : row.path.split(":")[0]} | ${st.perRequest} | ${code(st.sql)} |`,
          ),
        ),
        "",
      );
  }

  if (r.history) {
    const h = r.history;
    lines.push(
      `## History: a page of 100 in a room of ${int(h.messages)} messages (tRPC over HTTP, one at a time)`,
      "",
    );
    lines.push(`Inserted with one INSERT … SELECT generate_series in ${int(h.insertMs)} ms.`, "");
    if (h.rich) {
      const room = h.rich.room;
      lines.push(
        `Beside it, measured in turn with it request by request (so both meet the same noise), a **rich** room over as many sequence numbers: ${int(room.topLevel)} top-level messages and ${int(room.replies)} replies in ${int(room.threads)} threads (2 each: reply count, last reply time and participants on the parent), ${int(room.reactionRows)} reactions (3 emoji by 4, 2 and 1 users on every top-level message), ${int(room.pins)} pins and ${int(room.edited)} edited messages; filled in ${int(h.rich.insertMs)} ms. The pages show top-level messages only, with their reactions and thread summaries.`,
        "",
        "| page | plain: requests/s | p50 / p99 / max ms | rich: requests/s | p50 / p99 / max ms | rich p99 / plain p99 | rich p50 / plain p50 | requests each |",
        "|---|---|---|---|---|---|---|---|",
      );
      for (const [i, p] of h.rows.entries()) {
        const q = h.rich.rows[i];
        lines.push(
          `| ${p.depth} | ${int(p.requestsPerSec)} | ${latencies(p)} | ${q ? int(q.requestsPerSec) : "–"} | ${q ? latencies(q) : "–"} | ${q && p.latency.p99Ms > 0 ? `${(q.latency.p99Ms / p.latency.p99Ms).toFixed(2)}×` : "–"} | ${q && p.latency.p50Ms > 0 ? `${(q.latency.p50Ms / p.latency.p50Ms).toFixed(2)}×` : "–"} | ${int(p.latency.count)} |`,
        );
      }
      lines.push("");
    } else {
      lines.push("| page | requests/s | p50 ms | p99 ms | max ms |", "|---|---|---|---|---|");
      for (const p of h.rows)
        lines.push(
          `| ${p.depth} | ${int(p.requestsPerSec)} | ${ms(p.latency.p50Ms)} | ${ms(p.latency.p99Ms)} | ${ms(p.latency.maxMs)} |`,
        );
      lines.push("");
    }
    const q = h.queriesPerPage;
    if (q && "error" in q) lines.push(`Queries per page: not counted (${q.error}).`, "");
    else if (q) {
      lines.push(
        `Queries per page (the newest page, as PostgreSQL logged them with \`log_statement=all\` on the bench database, over ${q.plain.requests} requests after a warm-up): plain **${q.plain.perRequest}**, rich **${q.rich.perRequest}**. The rich page's statements:`,
        "",
        "| per page | statement (column list elided, first 200 characters) |",
        "|---|---|",
        ...q.rich.statements.map((s) => `| ${s.perRequest} | ${code(s.sql)} |`),
        "",
      );
    }
  }

  if (r.slowConsumer.length) {
    const s0 = r.slowConsumer[0];
    lines.push(
      `## Slow consumer: ${s0?.subscribers} subscribers at ${s0?.rate} messages/s; then ${s0?.slow} stop reading for ${s0?.seconds} s`,
      "",
    );
    lines.push(
      "| system | healthy p99 before | healthy p99 during | healthy max during | lost by healthy | RSS before → peak | slow ones disconnected |",
      "|---|---|---|---|---|---|---|",
    );
    for (const s of r.slowConsumer)
      lines.push(
        `| ${s.system} | ${ms(s.before.p99Ms)} ms | ${ms(s.during.p99Ms)} ms | ${ms(s.during.maxMs)} ms | ${int(s.lostByHealthy)} | ${mib(s.rssBeforeBytes)} → ${mib(s.rssPeakBytes)} | ${s.slowDisconnected} / ${s.slow} |`,
      );
    lines.push("");
  }

  if (r.flood?.length) {
    const f0 = r.flood[0];
    lines.push(
      `## One user floods a room: ${f0?.talkers} others talk at ${f0?.rate} messages/s in all, heard by ${f0?.subscribers} subscribers; the flooder keeps ${f0?.concurrency} sends in flight for ${f0?.seconds} s`,
      "",
      "| abuse limits | others' p50 / p99 alone | others' p50 / p99 during the flood | p99 ratio | flood sends accepted / refused | lost by the others |",
      "|---|---|---|---|---|---|",
    );
    for (const f of r.flood)
      lines.push(
        `| ${f.limits} | ${ms(f.quiet.p50Ms)} / ${ms(f.quiet.p99Ms)} ms | ${ms(f.during.p50Ms)} / ${ms(f.during.p99Ms)} ms | ${f.quiet.p99Ms > 0 ? (f.during.p99Ms / f.quiet.p99Ms).toFixed(1) : "–"}× | ${int(f.floodAccepted)} / ${int(f.floodRefused)} | ${int(f.lostByTalkers)} |`,
      );
    lines.push("");
  }

  if (r.search) lines.push(...searchMarkdown(r.search));
  return lines.join("\n");
}

const pct = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 3 : 2)}%`;
const range = (lo: string, hi: string) => (lo === hi ? lo : `${lo}–${hi}`);
const BAND_NAMES: Record<SearchResult["rows"][number]["band"], string> = {
  "0.1%": "one word, ~0.1% of messages",
  "1%": "one word, ~1% of messages",
  phrase: 'two-word phrase in quotes ("a b")',
  "10%": "one very common word, ~10% of messages",
};

/** The search section: corpus, API and database latencies per row, the plans, the ILIKE baseline. */
/** The headline: the most simulated people one instance serves at p99 delivery ≤ 200 ms. */
function peopleMarkdown(p: PeopleResult): string[] {
  const o = p.options;
  const lines = [
    `## Realistic load: ${int(p.bestPeople)} people on one instance at p99 delivery ≤ ${DELIVERY_P99_LIMIT_MS} ms`,
    "",
    `Simulated people on one realtime instance (the other instance only relays the bus), each a user of their own in ${o.roomsPerPerson} rooms of ${o.roomSize} members: the web client's streams over one WebSocket (\`events.mine\`, \`events.presence\` of the open room's members, \`events.room\` of the open room), its queries and mutations over tRPC HTTP; one message every ${o.messageEverySeconds} s after a typing notice ${o.typingBeforeMs / 1000} s before, ${Math.round(o.switchShare * 100)}% of them in another room than the one open (a switch: stop, page of 50, subscribe), read marks at most once a second while messages arrive in the open room, a reconnect every ${o.reconnectEverySeconds >= 60 ? `${round1(o.reconnectEverySeconds / 60)} minutes` : `${o.reconnectEverySeconds} s`} on average (resumed with \`lastEventId\`). ${o.warmupSeconds} s of warm-up, then ${o.stepSeconds} s measured per step; delivery = receipt − scheduled send time at every recipient, both streams. PostgreSQL and Redis on the same machine. Users made in SQL in ${int(p.usersMs)} ms.`,
    "",
    "| people | rooms | msgs/s | deliveries/s | delivery p50 / p99 / max ms | room.activity p99 | open room p99 | send answered p99 | read marks | switches | reconnects | out of order | errors | SUT cores | SUT µs/message | generator cores | open s | |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const s of p.steps)
    lines.push(
      `| ${int(s.people)} | ${int(s.rooms)} | ${s.messagesPerSec} | ${int(s.deliveriesPerSec)} | ${ms(s.delivery.p50Ms)} / ${ms(s.delivery.p99Ms)} / ${ms(s.delivery.maxMs)} | ${ms(s.activity.p99Ms)} | ${ms(s.viewed.p99Ms)} | ${ms(s.ack.p99Ms)} | ${int(s.markReads)} | ${int(s.switches)} | ${int(s.reconnects)} | ${s.outOfOrder} | ${s.errors} | ${s.sutCores} | ${int(s.sutCpuMicrosPerMessage)} | ${s.generatorCpu}${s.generatorSaturated ? " (saturated)" : ""} | ${(s.openMs / 1000).toFixed(1)} | ${s.passed ? "pass" : "**fail**"} |`,
    );
  lines.push(
    "",
    "For scale: Mattermost's reference architecture sizes 200 concurrent users for 2 vCPU of application server plus 2 vCPU of database ([Mattermost docs: scale up to 200 users](https://docs.mattermost.com/scale/scale-to-200-users.html)); here application, database and Redis share one 2-core machine with the load generator.",
    "",
  );
  return lines;
}

function searchMarkdown(s: SearchResult): string[] {
  const c = s.corpus;
  const lines: string[] = [
    `## Search: \`search.messages\` over ${int(c.messages)} messages, one user, one request at a time (tRPC over HTTP)`,
    "",
    `The corpus, seeded in SQL on a fresh database migrated by Parley in ${(c.seedMs / 1000).toFixed(1)} s (then \`VACUUM ANALYZE\` ${(c.vacuumMs / 1000).toFixed(1)} s; table ${mib(c.tableBytes)}, \`messages_search_idx\` ${mib(c.searchIndexBytes)}): ${int(c.messages)} messages in ${int(c.rooms)} rooms (about one in ten private; room activity skewed, the busiest with 3% of messages) and ${int(c.directs + c.memberDirects)} direct conversations (5% of messages), by ${int(c.users)} users, ${ROOM_MEMBERS_TEXT}; ${c.wordsPerMessage[0]}–${c.wordsPerMessage[1]} words per message from ${int(c.vocabulary)} made-up words with Zipf frequencies (exponent 1), 5% of messages ending in one of 50 two-word phrases; sent over the last 365 days. The measuring user is a member of ${int(c.memberRooms)} rooms and ${int(c.memberDirects)} direct conversations (${int(s.readableRooms)} with the lobby): ${int(c.visibleMessages)} messages (${pct(c.visibleMessages / c.messages)}) it may read. A second, light user is in ${int(c.lightRooms)} rooms (and the lobby): ${int(c.lightVisibleMessages)} messages (${pct(c.lightVisibleMessages / c.messages)}).`,
    "",
    "Each row: the texts in turn, pages of 20, after a checked warm-up; the rows' requests alternate, so all meet the same noise. The database side is auto_explain's (ANALYZE, BUFFERS, timing on) log of the same requests through a third instance: the search statement (the one reading `search_vector`) and all statements of a request together.",
    "",
    "| user | query | order | share of messages (per text) | readable matches | results / page | API p50 / p95 / p99 / max ms | DB search statement p50 / p95 / p99 ms | DB per request: statements, ms | requests |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const row of s.rows) {
    const l = row.latency;
    const db = row.db;
    lines.push(
      `| ${SEARCHERS[row.user]} | ${BAND_NAMES[row.band]} | ${row.order} | ${range(pct(row.share.min), pct(row.share.max))} | ${range(int(row.visibleMatches.min), int(row.visibleMatches.max))} | ${row.hitsPerPage} | ${ms(l.p50Ms)} / ${ms(l.p95Ms)} / **${ms(l.p99Ms)}** / ${ms(l.maxMs)} | ${db ? `${ms(db.search.p50Ms)} / ${ms(db.search.p95Ms)} / ${ms(db.search.p99Ms)}` : "–"} | ${db ? `${db.statementsPerRequest}, ${ms(db.totalMsPerRequest)}` : "–"} | ${int(l.count)} |`,
    );
  }
  lines.push("");
  lines.push(
    `Texts: ${s.rows
      .filter((row) => row.user === "member" && row.order === "newest")
      .map((row) => `${row.band}: ${row.texts.map((t) => `\`${t}\``).join(", ")}`)
      .join("; ")}. Results outside the user's rooms in the checked answers: **${s.foreignHits}**.`,
    "",
  );
  if (s.dbError) lines.push(`Database side not measured: ${s.dbError}.`, "");
  if (s.baseline.length) {
    lines.push(
      "Naive baseline: the same readable messages, newest first, `body ILIKE '%text%'` (a substring, not a word), as `EXPLAIN ANALYZE` times it:",
      "",
      "| texts | execution p50 / p99 ms | vs the search statement's p50 (newest) | statements |",
      "|---|---|---|---|",
      ...s.baseline.map(
        (b) =>
          `| ${BAND_NAMES[b.band]} | ${ms(b.executionMs.p50Ms)} / ${ms(b.executionMs.p99Ms)} | ${b.vsSearchP50 ? `${b.vsSearchP50}×` : "–"} | ${int(b.executionMs.count)} |`,
      ),
      "",
    );
  }
  if (s.plans.length) {
    lines.push(
      "Plans of the search statement (each row's run of median duration, as auto_explain logged it: the same as `EXPLAIN (ANALYZE, BUFFERS)`):",
      "",
    );
    for (const plan of s.plans)
      lines.push(
        `### ${SEARCHERS[plan.user]}: ${BAND_NAMES[plan.band]}, ${plan.order}: ${plan.durationMs} ms; \`messages_search_idx\` ${plan.usesSearchIndex ? "used" : "**not used**"}; the caller's rooms ${plan.restrictsToRooms ? "restricted in the statement" : "**not restricted in the statement**"}; rows read and filtered out: ${int(plan.rowsRemovedByFilter ?? 0)}`,
        "",
        "```text",
        plan.plan,
        "```",
        "",
      );
  }
  return lines;
}

const ROOM_MEMBERS_TEXT = "20 members per room";
const SEARCHERS: Record<SearchResult["rows"][number]["user"], string> = { member: "member", light: "light" };

/** SQL in a Markdown table cell. */
const code = (text: string) => `\`${text.replace(/\|/g, "\\|").replace(/`/g, "'")}\``;

const latencies = (h: HistoryResult["rows"][number]) =>
  `${ms(h.latency.p50Ms)} / ${ms(h.latency.p99Ms)} / ${ms(h.latency.maxMs)}`;

/** Each change row measured beside the send over tRPC WebSocket: its throughput and p99 over the send's. */
export function changesVsSend(
  rows: SendPathRow[],
): { change: string; throughput: number; p99: number; statements?: number }[] {
  const send = rows.find((s) => s.path === WS_SEND_ROW);
  if (!send?.maxRequestsPerSec || !send.atHalfRate.p99Ms) return [];
  return Object.values(CHANGE_ROWS).flatMap((name) => {
    const row = rows.find((s) => s.path === name);
    if (!row?.maxRequestsPerSec) return [];
    return [
      {
        change: name.split(":")[0] ?? name,
        throughput: row.maxRequestsPerSec / send.maxRequestsPerSec,
        p99: row.atHalfRate.p99Ms / send.atHalfRate.p99Ms,
        statements: row.statements?.perRequest,
      },
    ];
  });
}

/** Results from before the many-rooms variant have no `rooms`: they were all one room. */
const roomsOf = (f: FanoutResult) => f.rooms ?? 1;

/** "1,000" subscribers in one room, or "200 rooms × 10". */
const audience = (f: FanoutResult) =>
  roomsOf(f) === 1 ? int(f.subscribers) : `${int(roomsOf(f))} rooms × ${int(Math.ceil(f.subscribers / roomsOf(f)))}`;

/** Two panels of horizontal bars: best fan-out deliveries/s, and RSS per idle connection. */
export function svg(r: BenchResult): string {
  const panels: { title: string; bars: { label: string; value: number; text: string }[] }[] = [
    {
      title: `Fan-out: best deliveries/s (p99 ≤ 250 ms, no loss), ${r.fanout[0]?.subscribers ?? 0} subscribers`,
      bars: r.fanout
        .filter((f) => f.subscribers === r.fanout[0]?.subscribers && roomsOf(f) === 1)
        .map((f) => ({ label: f.system, value: f.bestDeliveriesPerSec, text: int(f.bestDeliveriesPerSec) })),
    },
    {
      title: `RSS per idle connection (after GC), ${r.connections[0]?.connections ?? 0} connections`,
      bars: r.connections
        .filter((c) => c.connections === r.connections[0]?.connections)
        .map((c) => ({ label: c.system, value: c.rssPerConnectionBytes, text: kib(c.rssPerConnectionBytes) })),
    },
  ];
  const width = 720;
  const barHeight = 22;
  const parts: string[] = [];
  let y = 30;
  parts.push(
    `<text x="10" y="18" font-size="13" font-weight="bold">Parley vs peers, ${r.profile} profile, ${r.date.slice(0, 10)}, ${r.machine.cores} cores</text>`,
  );
  for (const panel of panels) {
    y += 20;
    parts.push(`<text x="10" y="${y}" font-size="12">${escapeXml(panel.title)}</text>`);
    y += 8;
    const max = Math.max(1, ...panel.bars.map((b) => b.value));
    for (const bar of panel.bars) {
      const w = Math.round((bar.value / max) * (width - 260));
      const fill = bar.label === "parley" ? "#3b6fd8" : "#9aa5b1";
      parts.push(
        `<text x="10" y="${y + 15}" font-size="12">${escapeXml(bar.label)}</text>`,
        `<rect x="140" y="${y}" width="${w}" height="${barHeight - 4}" fill="${fill}"/>`,
        `<text x="${146 + w}" y="${y + 15}" font-size="12">${escapeXml(bar.text)}</text>`,
      );
      y += barHeight;
    }
  }
  const height = y + 12;
  const title = `Parley vs peers: fan-out deliveries per second and memory per connection (${r.profile} profile)`;
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeXml(title)}" width="${width}" height="${height}" font-family="sans-serif">\n<title>${escapeXml(title)}</title>\n<rect width="100%" height="100%" fill="white"/>\n${parts.join("\n")}\n</svg>\n`;
}

const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Writes `<date>.json`, `.md` and `.svg` (with `-<profile>` unless quick, then `-<label>` if given)
 * and returns their paths. The chart is of fan-out and connections: without them, no `.svg`.
 */
export function writeReport(r: BenchResult, dir: string, label?: string): string[] {
  const name = `${r.date.slice(0, 10)}${r.profile === "quick" ? "" : `-${r.profile}`}${label ? `-${label}` : ""}`;
  const base = path.join(dir, name);
  writeFileSync(`${base}.json`, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(r));
  if (!r.fanout.length && !r.connections.length) return [`${base}.json`, `${base}.md`];
  writeFileSync(`${base}.svg`, svg(r));
  return [`${base}.json`, `${base}.md`, `${base}.svg`];
}
