import type { Room } from "@parley/db";
import { accessChannel, type Bus } from "./bus";
import type { Actor } from "./deps";

/**
 * What every authenticated call and every message would otherwise ask the database again: who
 * holds this token (and is it revoked), and is this user a member of this room. Entries live a
 * few seconds at most, and every process forgets one as soon as any process announces a change
 * that voids it (a revocation, a rename, a member leaving) on the bus's `access` channel. The bus
 * is at-most-once: when it reconnects, and so may have missed announcements, everything is
 * forgotten; the lifetime bounds what any other miss could cost.
 */
export interface AccessCache {
  actor(jti: string): Actor | undefined;
  rememberActor(actor: Actor): void;
  forgetSession(jti: string): void;
  forgetUser(userId: number): void;
  /** The room, when the user is known to be one of its members. */
  memberOf(userId: number, roomId: number): Room | undefined;
  rememberMember(userId: number, room: Room): void;
  forgetMember(userId: number, roomId: number): void;
  close(): void;
}

export interface AccessCacheOptions {
  /** How long an entry may be used without asking the database again; 0 turns the cache off. */
  ttlMs: number;
  /** The most entries of each kind; the oldest go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  until: number;
}

/** A map whose entries lapse after `ttlMs` and whose oldest entries go when it is full. */
class LapsingMap<K, T> {
  private readonly entries = new Map<K, Entry<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}
  get(key: K): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }
  set(key: K, value: T) {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
  }
  delete(key: K) {
    this.entries.delete(key);
  }
  deleteWhere(test: (value: T) => boolean) {
    for (const [key, entry] of this.entries) if (test(entry.value)) this.entries.delete(key);
  }
  clear() {
    this.entries.clear();
  }
}

const membershipKey = (userId: number, roomId: number) => `${userId}:${roomId}`;

/** An access cache that follows the bus's `access` channel (and its reconnects) until closed. */
export function createAccessCache(bus: Bus, options: AccessCacheOptions): AccessCache {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 100_000;
  const sessions = new LapsingMap<string, Actor>(options.ttlMs, max, now);
  const members = new LapsingMap<string, { userId: number; room: Room }>(options.ttlMs, max, now);
  const stop = new AbortController();

  if (options.ttlMs > 0) {
    void (async () => {
      try {
        for await (const event of await bus.subscribe(accessChannel, stop.signal)) {
          switch (event.type) {
            case "access.session-revoked":
              sessions.delete(event.jti);
              break;
            case "access.user-changed":
            case "access.sessions-ended":
              sessions.deleteWhere((actor) => actor.userId === event.userId);
              break;
            case "access.membership-ended":
              members.delete(membershipKey(event.userId, event.roomId));
              break;
            case "bus.resync":
              sessions.clear();
              members.clear();
              break;
          }
        }
      } catch {
        // The bus closed: so does the process.
      } finally {
        sessions.clear();
        members.clear();
      }
    })();
  }

  return {
    actor: (jti) => sessions.get(jti),
    rememberActor: (actor) => sessions.set(actor.jti, actor),
    forgetSession: (jti) => sessions.delete(jti),
    forgetUser: (userId) => sessions.deleteWhere((actor) => actor.userId === userId),
    memberOf: (userId, roomId) => members.get(membershipKey(userId, roomId))?.room,
    rememberMember: (userId, room) => members.set(membershipKey(userId, room.id), { userId, room }),
    forgetMember: (userId, roomId) => members.delete(membershipKey(userId, roomId)),
    close: () => stop.abort(),
  };
}
