import { type Database, schema } from "@parley/db";
import { sql } from "drizzle-orm";
import { intArrayLiteral, oncePerDatabase } from "./sql-arrays";

const { rooms, roomMembers } = schema;

/**
 * The reads a live stream makes as it opens (and again after the bus reconnects): the newest
 * sequence number of each room it follows, and the rooms its user is a member of. Connections open
 * in crowds (a page load opens two streams; a restart or a network blip reconnects every client at
 * once), and each would ask PostgreSQL for the same few rows on its own: a round trip, a statement
 * to bind and a result to parse per stream, about a fifth of the CPU a connection took to open.
 * Here the reads of one kind asked in one turn of the event loop, or while the previous one of that
 * kind was running, go to PostgreSQL as ONE statement (`= any($1::int[])`, prepared once per
 * database), each key once however many streams ask for it.
 *
 * Every answer comes from a statement that started after it was asked for: a stream that made its
 * channels live before asking hears every event after what it is told (the rule `roomEvents` and
 * `userEvents` rely on). An idle process reads at once, one turn of the event loop later; a busy one
 * waits at most for the read in flight. A failed statement fails every read it carried, with its error.
 */

/** How many keys one statement asks for, at most; the reads past it wait for the next statement. */
const MAX_KEYS_PER_READ = 10_000;

interface Waiting<V> {
  keys: readonly number[];
  resolve(found: ReadonlyMap<number, V>): void;
  reject(error: unknown): void;
}

/**
 * Reads by integer key gathered into one statement at a time: `read(keys)` answers what it found
 * (a key it did not find is absent). One statement in flight at a time; what is asked meanwhile
 * waits for the next. Every caller of one statement gets the same map (read only).
 */
export class GatheredReads<V> {
  private queue: Waiting<V>[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly read: (keys: number[]) => Promise<ReadonlyMap<number, V>>) {}

  /** What a statement started after this call found for `keys` (and possibly for other keys too). */
  get(keys: readonly number[]): Promise<ReadonlyMap<number, V>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keys, resolve, reject });
      if (!this.running && !this.scheduled) {
        this.scheduled = true;
        // Gathers what this turn of the event loop asks for (the frames of many sockets read at once).
        setImmediate(() => this.pump());
      }
    });
  }

  private pump(): void {
    this.scheduled = false;
    if (this.running || this.queue.length === 0) return;
    const keys = new Set<number>();
    let taken = 0;
    for (const waiting of this.queue) {
      if (taken > 0 && keys.size + waiting.keys.length > MAX_KEYS_PER_READ) break;
      for (const key of waiting.keys) keys.add(key);
      taken++;
    }
    const batch = this.queue.slice(0, taken);
    this.queue = this.queue.slice(taken);
    this.running = true;
    this.read([...keys]).then(
      (found) => {
        this.done();
        for (const waiting of batch) waiting.resolve(found);
      },
      (error: unknown) => {
        this.done();
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }

  /** The statement in flight has answered: the next one starts with what was asked meanwhile. */
  private done(): void {
    this.running = false;
    this.pump();
  }
}

const NO_ROOMS: readonly number[] = Object.freeze([]);
const NO_SEQS: ReadonlyMap<number, number> = new Map();

const gatheredPerDatabase = oncePerDatabase((db: Database) => {
  const lastSeqs = db
    .select({ roomId: rooms.id, lastSeq: rooms.lastSeq })
    .from(rooms)
    .where(sql`${rooms.id} = any(${sql.placeholder("ids")}::int[])`)
    .prepare("stream_last_seqs");
  const memberships = db
    .select({ userId: roomMembers.userId, roomId: roomMembers.roomId })
    .from(roomMembers)
    .where(sql`${roomMembers.userId} = any(${sql.placeholder("ids")}::int[])`)
    .prepare("stream_member_room_ids");
  return {
    lastSeqs: new GatheredReads<number>(async (roomIds) => {
      const rows = await lastSeqs.execute({ ids: intArrayLiteral(roomIds) });
      return new Map(rows.map((row) => [row.roomId, row.lastSeq]));
    }),
    memberRoomIds: new GatheredReads<readonly number[]>(async (userIds) => {
      const found = new Map<number, number[]>();
      for (const { userId, roomId } of await memberships.execute({ ids: intArrayLiteral(userIds) })) {
        const ids = found.get(userId);
        if (ids) ids.push(roomId);
        else found.set(userId, [roomId]);
      }
      return found;
    }),
  };
});

/**
 * The rooms' newest sequence numbers (`rooms.last_seq`) as the database has them now, by room id;
 * a room that no longer exists is absent. Read by a statement that starts after this call.
 */
export function roomLastSeqs(db: Database, roomIds: readonly number[]): Promise<ReadonlyMap<number, number>> {
  if (roomIds.length === 0) return Promise.resolve(NO_SEQS);
  return gatheredPerDatabase(db).lastSeqs.get(roomIds);
}

/** One room's newest sequence number now (0 when it no longer exists): `roomLastSeqs` for one. */
export async function roomLastSeq(db: Database, roomId: number): Promise<number> {
  return (await roomLastSeqs(db, [roomId])).get(roomId) ?? 0;
}

/**
 * The rooms (and direct conversations) the user is a member of now, by id, in no particular
 * order. Read by a statement that starts after this call; not for use inside a transaction.
 */
export async function memberRoomIdsNow(db: Database, userId: number): Promise<readonly number[]> {
  return (await gatheredPerDatabase(db).memberRoomIds.get([userId])).get(userId) ?? NO_ROOMS;
}
