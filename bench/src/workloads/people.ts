import { randomBytes } from "node:crypto";
import { claimsFor, signJwt } from "@parley/api/testing";
import { createDb, foldName, schema } from "@parley/db";
import { inArray } from "drizzle-orm";
import WebSocket from "ws";
import { stampedBody, stampOf, wsUrl } from "../clients/raw-client";
import { GENERATOR_SATURATED, generatorCpu, Latency, type LatencySummary, round, sleep } from "../stats";
import type { ParleySystem } from "../systems/parley";
import { inBatches, systemCpuMicros } from "../systems/system";
import { httpClient } from "./http-client";

/** A step passes when the p99 of every delivery (both streams) is at most this. */
export const DELIVERY_P99_LIMIT_MS = 200;

export interface PeopleOptions {
  /** People per step, ascending; the workload stops after the first step that fails. */
  steps: number[];
  /** Members of each room, and rooms each person is in (issue 17: about 50, and 5). */
  roomSize: number;
  roomsPerPerson: number;
  /** Each person sends one message per this many seconds (issue 17: 60), at a random phase. */
  messageEverySeconds: number;
  /** The typing notice goes this long before the message. */
  typingBeforeMs: number;
  /** The share of messages a person writes in another of their rooms than the one open (a room switch). */
  switchShare: number;
  /** Mean time between one person's reconnects (exponential), seconds. */
  reconnectEverySeconds: number;
  warmupSeconds: number;
  stepSeconds: number;
}

export interface PeopleStep {
  people: number;
  rooms: number;
  /** Time to open every person: their sidebar and open room over HTTP, then their socket and its streams live. */
  openMs: number;
  failedToOpen: number;
  /** Messages per second the people send in all (people / messageEverySeconds). */
  messagesPerSec: number;
  sent: number;
  /** Frames delivered in the measured window: a `room.activity` on every member's `events.mine`, the message on each open `events.room`. */
  deliveries: number;
  deliveriesPerSec: number;
  /** Receipt − scheduled send time, at every recipient, both streams. */
  delivery: LatencySummary;
  /** `events.mine`'s `room.activity` alone (every member), and the message on `events.room` alone (members looking at the room). */
  activity: LatencySummary;
  viewed: LatencySummary;
  /** `messages.send` answered (over HTTP) − scheduled send time. */
  ack: LatencySummary;
  /** Activity expected by members (connected or reconnecting) and not received. */
  activityMissed: number;
  typing: number;
  markReads: number;
  switches: number;
  reconnects: number;
  /** Room messages replayed on resume (`lastEventId`) rather than received live; not in the latencies. */
  replayed: number;
  /** Room messages received out of sequence on a person's open room (a gap or a duplicate): must be 0. */
  outOfOrder: number;
  /** Requests answered with an error, and socket errors. */
  errors: number;
  /** CPU of both instances over the window and its drain, in cores, and per message sent. */
  sutCores: number;
  sutCpuMicrosPerMessage: number;
  generatorCpu: number;
  generatorSaturated: boolean;
  passed: boolean;
}

export interface PeopleResult {
  options: PeopleOptions;
  /** Time to make the users (SQL) and sign their tokens. */
  usersMs: number;
  steps: PeopleStep[];
  /** The most people of a step that passed (p99 ≤ 200 ms, no error, nothing out of order) with the generator unsaturated. */
  bestPeople: number;
}

interface User {
  id: number;
  token: string;
}

/**
 * Simulated people on one realtime instance (instance 0), as many as each step says, each one user
 * of their own in `roomsPerPerson` rooms of `roomSize` members. A person does what the web client
 * does (apps/web/src/client): loads the sidebar (`rooms.mine`) and the open room's newest page
 * (`history.list`, 50) over HTTP, then opens one socket with `events.mine`, `events.presence` (the
 * open room's members) and `events.room` from the page's newest sequence number; sends a message
 * every `messageEverySeconds` (open loop, stamped with its scheduled time), after a typing notice
 * (`events.typing`); switches room first for `switchShare` of them (stop the room stream, page,
 * subscribe again, presence again); marks read (`rooms.markRead`) at most once a second as
 * messages arrive in the open room; and reconnects now and then, resuming the room stream with
 * `lastEventId`. Queries and mutations go over HTTP, subscriptions over the WebSocket, as the web
 * client's split link does (to the realtime instance: the web process is not run here).
 */
export async function runPeople(parley: ParleySystem, options: PeopleOptions): Promise<PeopleResult> {
  const most = Math.max(...options.steps);
  const t0 = performance.now();
  const users = await makeUsers(parley, most);
  const usersMs = Math.round(performance.now() - t0);
  console.log(`  people: ${most} users in ${usersMs} ms`);
  const steps: PeopleStep[] = [];
  for (const people of options.steps) {
    const step = await runStep(parley, users.slice(0, people), options);
    steps.push(step);
    console.log(`  people ${people}: ${JSON.stringify(step)}`);
    if (!step.passed) break;
  }
  const counted = steps.filter((s) => s.passed && !s.generatorSaturated);
  return { options, usersMs, steps, bestPeople: Math.max(0, ...counted.map((s) => s.people)) };
}

/**
 * `count` users made in SQL (argon2 would take minutes), with the password hash of a pool user, and
 * a token each, signed as the server signs them (HS256 with the run's secret) and valid for a day.
 */
async function makeUsers(parley: ParleySystem, count: number): Promise<User[]> {
  const { db, close } = await createDb({ databaseUrl: parley.database.url, dataDir: "", poolMax: 1 });
  try {
    const hash = (await db.select({ hash: schema.users.passwordHash }).from(schema.users).limit(1))[0]?.hash ?? "";
    const run = randomBytes(3).toString("hex");
    const ids: number[] = [];
    for (let i = 0; i < count; i += 5000) {
      const rows = Array.from({ length: Math.min(5000, count - i) }, (_, j) => {
        const username = `person-${run}-${i + j}`;
        return { username, usernameKey: foldName(username), passwordHash: hash };
      });
      const made = await db.insert(schema.users).values(rows).returning({ id: schema.users.id });
      ids.push(...made.map((u) => u.id));
    }
    const secret = parley.env.JWT_SECRET ?? "";
    const exp = Math.floor(Date.now() / 1000) + 86_400;
    return ids.map((id) => ({ id, token: signJwt({ alg: "HS256", typ: "JWT" }, { ...claimsFor(id), exp }, secret) }));
  } finally {
    await close();
  }
}

/**
 * Which rooms each of `people` people is in, as room indexes: `roomsPerPerson` layers of
 * ⌈people / roomSize⌉ rooms; in layer k, person p is in room ⌊(p·a_k mod people) / roomSize⌋ of the
 * layer, with a_k coprime to `people` (so each layer is a permutation and every room but a layer's
 * last has exactly `roomSize` members). Each person is in one room per layer, and the layers mix
 * people differently.
 */
export function assignRooms(people: number, roomSize: number, roomsPerPerson: number): number[][] {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const strides: number[] = [];
  for (let a = 1; strides.length < roomsPerPerson; a += strides.length === 0 ? 6 : 12)
    if (gcd(a, people) === 1) strides.push(a);
  const perLayer = Math.ceil(people / roomSize);
  return Array.from({ length: people }, (_, p) =>
    strides.map((a, k) => k * perLayer + Math.floor(((p * a) % people) / roomSize)),
  );
}

/** The rooms of a step (see `assignRooms`), made in SQL; answers each person's rooms and each room's members. */
async function makeRooms(parley: ParleySystem, users: User[], options: PeopleOptions) {
  const people = users.length;
  const assigned = assignRooms(people, options.roomSize, options.roomsPerPerson);
  const { db, close } = await createDb({ databaseUrl: parley.database.url, dataDir: "", poolMax: 1 });
  try {
    const run = randomBytes(3).toString("hex");
    const names = Array.from({ length: Math.ceil(people / options.roomSize) * options.roomsPerPerson }, (_, i) => {
      const name = `people ${run} ${i}`;
      return { name, nameKey: foldName(name), ownerId: users[0]?.id };
    });
    const roomIds: number[] = [];
    for (let i = 0; i < names.length; i += 5000)
      roomIds.push(
        ...(
          await db
            .insert(schema.rooms)
            .values(names.slice(i, i + 5000))
            .returning({ id: schema.rooms.id })
        ).map((r) => r.id),
      );
    const roomsOf = assigned.map((rooms) => rooms.map((i) => roomIds[i] ?? 0));
    const membersOf = new Map<number, number[]>();
    const memberships = roomsOf.flatMap((rooms, p) => {
      const userId = users[p]?.id ?? 0;
      return rooms.map((roomId) => {
        membersOf.set(roomId, [...(membersOf.get(roomId) ?? []), userId]);
        return { roomId, userId };
      });
    });
    for (let i = 0; i < memberships.length; i += 5000)
      await db.insert(schema.roomMembers).values(memberships.slice(i, i + 5000));
    return { roomIds, roomsOf, membersOf };
  } finally {
    await close();
  }
}

async function dropRooms(parley: ParleySystem, roomIds: number[]) {
  const { db, close } = await createDb({ databaseUrl: parley.database.url, dataDir: "", poolMax: 1 });
  await db.delete(schema.rooms).where(inArray(schema.rooms.id, roomIds)).finally(close);
}

interface Person {
  user: User;
  rooms: number[];
  viewing: number;
  /** The newest sequence number of the open room this person has (what a resume asks after). */
  lastSeq: number;
  ws: WebSocket | null;
  subIds: number;
  roomSub: number;
  presenceSub: number;
  roomLive: boolean;
  markedAt: number;
  markDue: ReturnType<typeof setTimeout> | undefined;
}

async function runStep(parley: ParleySystem, users: User[], options: PeopleOptions): Promise<PeopleStep> {
  const api = parley.instances[0]?.url ?? "";
  const http = httpClient(api, 128);
  const { roomIds, roomsOf, membersOf } = await makeRooms(parley, users, options);
  const trpcGet = (path: string, input: unknown, token: string) =>
    http.fetchText("GET", `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, null, token);
  const trpcPost = (path: string, input: unknown, token: string) =>
    http.fetchText("POST", `/trpc/${path}`, JSON.stringify(input), token);

  // What the step counts. `measuring` is the window whose messages are timed (by scheduled send time).
  let window = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
  const inWindow = (scheduled: number) => scheduled >= window.from && scheduled < window.to;
  const sentAt = new Map<string, { scheduled: number; members: number }>();
  let pendingActivity: { key: string; at: number }[] = [];
  const activity = new Latency();
  const viewed = new Latency();
  const delivery = new Latency();
  const ack = new Latency();
  const counts = {
    sent: 0,
    activity: 0,
    viewed: 0,
    typing: 0,
    markReads: 0,
    switches: 0,
    reconnects: 0,
    replayed: 0,
    outOfOrder: 0,
    errors: 0,
  };
  const failed = (error: unknown) => {
    if (counts.errors++ < 5) console.log(`  people: ${error instanceof Error ? error.message : String(error)}`);
  };
  const recordActivity = (key: string, at: number) => {
    const sent = sentAt.get(key);
    if (!sent) pendingActivity.push({ key, at });
    else {
      counts.activity++;
      activity.record(at - sent.scheduled);
      delivery.record(at - sent.scheduled);
    }
  };

  const persons: Person[] = users.map((user, p) => ({
    user,
    rooms: roomsOf[p] ?? [],
    // The room open at first: one of the person's rooms (by p mod 5), so that each room is open for
    // about a fifth of its members, not for every member of the first layer's rooms.
    viewing: roomsOf[p]?.[p % options.roomsPerPerson] ?? 0,
    lastSeq: 0,
    ws: null,
    subIds: 0,
    roomSub: 0,
    presenceSub: 0,
    roomLive: false,
    markedAt: 0,
    markDue: undefined,
  }));

  const markRead = (person: Person) => {
    person.markDue = undefined;
    person.markedAt = performance.now();
    counts.markReads++;
    trpcPost("rooms.markRead", { roomId: person.viewing, seq: person.lastSeq }, person.user.token).catch(failed);
  };
  /** As use-read-mark: at once, then at most once a second while messages keep coming. */
  const seen = (person: Person) => {
    if (person.markDue) return;
    const wait = person.markedAt + 1000 - performance.now();
    if (wait <= 0) markRead(person);
    else person.markDue = setTimeout(() => markRead(person), wait);
  };

  const subscribe = (ws: WebSocket, id: number, path: string, input?: unknown) =>
    ws.send(JSON.stringify({ id, method: "subscription", params: { path, ...(input ? { input } : {}) } }));
  const openRoomStream = (person: Person, ws: WebSocket) => {
    person.roomSub = ++person.subIds;
    person.roomLive = false;
    subscribe(ws, person.roomSub, "events.room", { roomId: person.viewing, lastEventId: String(person.lastSeq) });
  };
  const openPresence = (person: Person, ws: WebSocket) => {
    person.presenceSub = ++person.subIds;
    const userIds = (membersOf.get(person.viewing) ?? []).filter((id) => id !== person.user.id);
    subscribe(ws, person.presenceSub, "events.presence", { userIds, away: false });
  };
  const newestOf = async (person: Person, roomId: number) => {
    const page = JSON.parse(await trpcGet("history.list", { roomId, limit: 50 }, person.user.token)) as {
      result: { data: { items: { seq: number }[]; lastSeq?: number } };
    };
    const items = page.result.data.items;
    return Math.max(0, ...items.map((item) => item.seq));
  };

  /** Opens the person's socket and streams; resolves when `events.mine` has started and the room stream is live. */
  const connect = (person: Person) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl(api)}/trpc?token=${person.user.token}`, { perMessageDeflate: false });
      person.ws = ws;
      let mineStarted = false;
      let ready = false;
      const check = () => {
        if (!ready && mineStarted && person.roomLive) {
          ready = true;
          resolve();
        }
      };
      ws.once("open", () => {
        person.subIds = 0;
        subscribe(ws, ++person.subIds, "events.mine");
        openPresence(person, ws);
        openRoomStream(person, ws);
      });
      ws.on("message", (data) => {
        if (person.ws !== ws) return; // a socket this person has dropped
        const frame = data.toString();
        if (frame === "PING") return ws.send("PONG");
        const at = performance.now();
        const sub = Number(/^\{"id":(\d+),/.exec(frame)?.[1]);
        if (frame.includes('"error"')) {
          if (!ready) reject(new Error(`subscription refused: ${frame.slice(0, 300)}`));
          else failed(new Error(frame.slice(0, 300)));
          return;
        }
        if (sub === 1) {
          if (frame.includes('"type":"started"')) {
            mineStarted = true;
            check();
          } else if (frame.includes('"type":"room.activity"') && frame.includes('"change":"created"')) {
            const m = /"roomId":(\d+),"seq":(\d+)/.exec(frame);
            if (m) recordActivity(`${m[1]}:${m[2]}`, at);
          }
          return;
        }
        if (sub !== person.roomSub) return; // presence, or a room stream stopped by a switch
        if (frame.includes('"type":"live"')) {
          person.roomLive = true;
          check();
        } else if (frame.includes('"type":"message"')) {
          const seq = Number(/"id":"(\d+)"/.exec(frame)?.[1]);
          if (seq !== person.lastSeq + 1) counts.outOfOrder++;
          person.lastSeq = Math.max(person.lastSeq, seq);
          const stamp = stampOf(frame);
          if (!person.roomLive) counts.replayed++;
          else if (stamp && inWindow(stamp.scheduled)) {
            counts.viewed++;
            viewed.record(at - stamp.scheduled);
            delivery.record(at - stamp.scheduled);
          }
          seen(person);
        } else if (frame.includes('"type":"typing"')) counts.typing++;
      });
      ws.once("error", (error) => {
        if (!ready) reject(error);
        else failed(error);
      });
    });

  /** The first load: sidebar and the open room's newest page over HTTP, then the socket. */
  const open = async (person: Person) => {
    await trpcGet("rooms.mine", undefined, person.user.token);
    person.lastSeq = await newestOf(person, person.viewing);
    await connect(person);
  };
  /** A dropped socket: a new one at once, every stream resumed (the room's after `lastSeq`), the sidebar read again. */
  const reconnect = (person: Person) => {
    counts.reconnects++;
    person.ws?.terminate();
    connect(person).catch(failed);
    trpcGet("rooms.mine", undefined, person.user.token).catch(failed);
  };
  /** Opens another of the person's rooms: its newest page, then its stream and its members' presence. */
  const switchTo = async (person: Person, roomId: number) => {
    counts.switches++;
    const newest = await newestOf(person, roomId);
    // A reconnect under way subscribes to the room it finds open: the switch waits for none.
    const ws = person.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !person.roomLive) return;
    ws.send(JSON.stringify({ id: person.roomSub, method: "subscription.stop" }));
    ws.send(JSON.stringify({ id: person.presenceSub, method: "subscription.stop" }));
    person.viewing = roomId;
    person.lastSeq = newest;
    openPresence(person, ws);
    openRoomStream(person, ws);
  };
  let messageNumber = 0;
  const send = (person: Person, roomId: number, scheduled: number) => {
    const n = messageNumber++;
    const measured = inWindow(scheduled);
    if (measured) counts.sent++;
    const input = { roomId, text: stampedBody(scheduled, n), clientId: `${person.user.id}-${n}` };
    trpcPost("messages.send", input, person.user.token)
      .then((text) => {
        const at = performance.now();
        const seq = (JSON.parse(text) as { result: { data: { seq: number } } }).result.data.seq;
        if (!measured) return;
        ack.record(at - scheduled);
        sentAt.set(`${roomId}:${seq}`, { scheduled, members: membersOf.get(roomId)?.length ?? 0 });
      })
      .catch(failed);
  };

  const t0 = performance.now();
  let failedToOpen = 0;
  await inBatches(persons, 100, (person) => open(person).catch(() => failedToOpen++));
  const openMs = Math.round(performance.now() - t0);

  // Every person's minute: a send at a random phase, the typing notice before it, a switch first for
  // some; reconnects at exponential intervals. Timers end with the window.
  const start = performance.now() + 500;
  const total = (options.warmupSeconds + options.stepSeconds) * 1000;
  window = { from: start + options.warmupSeconds * 1000, to: start + total };
  const timers: ReturnType<typeof setTimeout>[] = [];
  const at = (time: number, task: () => void) => timers.push(setTimeout(task, Math.max(0, time - performance.now())));
  const period = options.messageEverySeconds * 1000;
  for (const person of persons) {
    for (let due = start + Math.random() * period; due < start + total; due += period) {
      const scheduled = due;
      const other = person.rooms.filter((r) => r !== person.viewing);
      at(scheduled - options.typingBeforeMs, () => {
        const room =
          Math.random() < options.switchShare && other.length
            ? (other[Math.floor(Math.random() * other.length)] ?? person.viewing)
            : person.viewing;
        const typed = () => trpcPost("events.typing", { roomId: room }, person.user.token).catch(failed);
        if (room === person.viewing) typed();
        else switchTo(person, room).then(typed, failed);
        at(scheduled, () => send(person, room, scheduled));
      });
    }
    /** Time to the next reconnect: exponential, mean `reconnectEverySeconds`. */
    const gap = () => -Math.log(1 - Math.random()) * options.reconnectEverySeconds * 1000;
    for (let due = start + gap(); due < start + total; due += gap()) at(due, () => reconnect(person));
  }

  await sleep(window.from - performance.now());
  // The window: counts, CPU and latencies from here (messages scheduled before it are not timed).
  // Errors and sequence faults count from the first load on.
  for (const key of Object.keys(counts) as (keyof typeof counts)[])
    if (key !== "errors" && key !== "outOfOrder") counts[key] = 0;
  pendingActivity = [];
  const cpuBefore = await systemCpuMicros(parley);
  const generator = generatorCpu();
  const windowStart = performance.now();
  await sleep(window.to - performance.now());
  const generatorCores = generator();
  // Drain: until the window's sends are answered and deliveries stop coming (at most 10 s).
  let last = -1;
  let quietSince = performance.now();
  for (let waited = 0; waited < 10_000; waited += 100) {
    const now = counts.activity + counts.viewed + pendingActivity.length + sentAt.size;
    if (now !== last) quietSince = performance.now();
    else if (performance.now() - quietSince > 1000 && sentAt.size >= counts.sent - counts.errors) break;
    last = now;
    await sleep(100);
  }
  const cpu = (await systemCpuMicros(parley)) - cpuBefore;
  const elapsedMs = performance.now() - windowStart;
  for (const timer of timers) clearTimeout(timer);
  for (const person of persons) {
    clearTimeout(person.markDue);
    person.ws?.terminate();
  }
  const late = pendingActivity;
  pendingActivity = [];
  for (const { key, at } of late) if (sentAt.has(key)) recordActivity(key, at);
  const expectedActivity = [...sentAt.values()].reduce((sum, s) => sum + s.members, 0);
  http.close();
  await dropRooms(parley, roomIds);

  const summary = delivery.summary();
  const people = users.length;
  const errors = counts.errors;
  return {
    people,
    rooms: roomIds.length,
    openMs,
    failedToOpen,
    messagesPerSec: round(people / options.messageEverySeconds, 1),
    sent: counts.sent,
    deliveries: counts.activity + counts.viewed,
    deliveriesPerSec: Math.round((counts.activity + counts.viewed) / options.stepSeconds),
    delivery: summary,
    activity: activity.summary(),
    viewed: viewed.summary(),
    ack: ack.summary(),
    activityMissed: Math.max(0, expectedActivity - counts.activity),
    typing: counts.typing,
    markReads: counts.markReads,
    switches: counts.switches,
    reconnects: counts.reconnects,
    replayed: counts.replayed,
    outOfOrder: counts.outOfOrder,
    errors,
    sutCores: round(cpu / 1000 / elapsedMs, 2),
    sutCpuMicrosPerMessage: Math.round(cpu / Math.max(1, counts.sent)),
    generatorCpu: round(generatorCores, 2),
    generatorSaturated: generatorCores > GENERATOR_SATURATED,
    passed:
      failedToOpen === 0 &&
      errors === 0 &&
      counts.outOfOrder === 0 &&
      summary.count > 0 &&
      summary.p99Ms <= DELIVERY_P99_LIMIT_MS,
  };
}
