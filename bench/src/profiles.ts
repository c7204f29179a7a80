import type { PeopleOptions } from "./workloads/people";
import type { SearchOptions } from "./workloads/search";

/** The sizes of each workload, per profile. */
export interface Profile {
  users: number;
  fanout: { subscribers: number[]; rates: number[]; stepSeconds: number };
  /** The fan-out variant with many small rooms: messages/s step up as in `fanout`. */
  manyRooms: { rooms: number; members: number; rates: number[] };
  connections: { counts: number[]; localAddresses: number };
  sendPath: { seconds: number; concurrency: number };
  /** Messages stored per second by one instance, into one room and over `rooms` (issue 17). */
  store: { seconds: number; concurrency: number; rooms: number };
  history: { messages: number; depths: number[]; seconds: number };
  /** Parley only: simulated people on one instance, stepped up until p99 delivery passes 200 ms (issue 17). */
  people: PeopleOptions;
  slowConsumer: { subscribers: number; rate: number; seconds: number };
  /** Parley only: talkers' latency alone and while one user floods, with the message limit off and on. */
  flood: { subscribers: number; talkers: number; ratePerTalker: number; seconds: number; concurrency: number };
  /** Parley only, on a database of its own: full-text search over a seeded corpus (issue 16). */
  search: SearchOptions;
}

/**
 * Issue 16's search corpus: 1,000,000 messages over 1,000 rooms; the measuring user in 50 of them
 * and 20 direct conversations, a second user in 3 rooms.
 */
const ISSUE_16_CORPUS: SearchOptions["corpus"] = {
  messages: 1_000_000,
  rooms: 1000,
  directs: 200,
  users: 1000,
  memberRooms: 50,
  memberDirects: 20,
  lightRooms: 3,
};

/**
 * Issue 17's people: each in 5 rooms of 50 members, one message a minute after a typing notice, one
 * message in 5 written in another room than the one open (a switch), a reconnect every 10 minutes
 * on average.
 */
const PEOPLE: PeopleOptions = {
  steps: [],
  roomSize: 50,
  roomsPerPerson: 5,
  messageEverySeconds: 60,
  typingBeforeMs: 2000,
  switchShare: 0.2,
  reconnectEverySeconds: 600,
  warmupSeconds: 5,
  stepSeconds: 15,
};

export const PROFILES = {
  /** Every workload in a few seconds at tiny sizes: proves the harness, measures nothing. */
  smoke: {
    users: 8,
    fanout: { subscribers: [20], rates: [20, 50], stepSeconds: 1 },
    manyRooms: { rooms: 5, members: 4, rates: [20] },
    connections: { counts: [50], localAddresses: 1 },
    sendPath: { seconds: 1, concurrency: 4 },
    store: { seconds: 1, concurrency: 16, rooms: 100 },
    history: { messages: 2000, depths: [0, 1000], seconds: 0.5 },
    people: {
      ...PEOPLE,
      steps: [20],
      roomSize: 10,
      roomsPerPerson: 2,
      messageEverySeconds: 4,
      typingBeforeMs: 500,
      reconnectEverySeconds: 8,
      warmupSeconds: 1,
      stepSeconds: 3,
    },
    slowConsumer: { subscribers: 20, rate: 20, seconds: 1 },
    flood: { subscribers: 10, talkers: 4, ratePerTalker: 2, seconds: 1, concurrency: 4 },
    search: {
      corpus: { messages: 20_000, rooms: 50, directs: 10, users: 100, memberRooms: 5, memberDirects: 2, lightRooms: 2 },
      queries: 10,
      warmup: 1,
      baselineQueries: 2,
    },
  },
  /** Under five minutes on the 2-core CI machine (254 s on 2026-11-29). */
  quick: {
    users: 50,
    fanout: { subscribers: [1000], rates: [10, 30, 60, 100, 150], stepSeconds: 3 },
    manyRooms: { rooms: 100, members: 10, rates: [100, 300, 1000] },
    connections: { counts: [2000], localAddresses: 1 },
    sendPath: { seconds: 2, concurrency: 16 },
    store: { seconds: 3, concurrency: 128, rooms: 1000 },
    history: { messages: 100_000, depths: [0, 10_000], seconds: 2 },
    people: { ...PEOPLE, steps: [250, 500, 1000, 2000, 4000], warmupSeconds: 5, stepSeconds: 15 },
    slowConsumer: { subscribers: 500, rate: 20, seconds: 6 },
    flood: { subscribers: 200, talkers: 20, ratePerTalker: 2, seconds: 5, concurrency: 16 },
    search: {
      corpus: ISSUE_16_CORPUS,
      queries: 200,
      warmup: 2,
      baselineQueries: 10,
    },
  },
  full: {
    users: 100,
    fanout: { subscribers: [1000, 5000, 10_000], rates: [10, 30, 60, 100, 150, 300], stepSeconds: 5 },
    manyRooms: { rooms: 1000, members: 10, rates: [100, 300, 1000, 3000, 10_000] },
    connections: { counts: [10_000, 25_000, 50_000], localAddresses: 8 },
    sendPath: { seconds: 10, concurrency: 32 },
    store: { seconds: 10, concurrency: 256, rooms: 1000 },
    history: { messages: 1_000_000, depths: [0, 10_000, 100_000], seconds: 5 },
    people: { ...PEOPLE, steps: [500, 1000, 2000, 4000, 8000, 16_000, 32_000], warmupSeconds: 15, stepSeconds: 60 },
    slowConsumer: { subscribers: 500, rate: 20, seconds: 30 },
    flood: { subscribers: 500, talkers: 40, ratePerTalker: 2, seconds: 15, concurrency: 32 },
    search: {
      corpus: ISSUE_16_CORPUS,
      queries: 1000,
      warmup: 5,
      baselineQueries: 50,
    },
  },
  /**
   * The quick profile's many-rooms fan-out at 1,000 sends a second only, for 6 s (issue 17's
   * many-rooms figure, to compare two builds in alternating runs: `--only fanout`); every other
   * workload as in quick.
   */
  get rooms1k(): Profile {
    const { quick } = PROFILES;
    return {
      ...quick,
      fanout: { ...quick.fanout, subscribers: [], stepSeconds: 6 },
      manyRooms: { ...quick.manyRooms, rates: [1000] },
    };
  },
} satisfies Record<string, Profile>;

export type ProfileName = keyof typeof PROFILES;
