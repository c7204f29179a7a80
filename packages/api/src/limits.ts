import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { z } from "zod";
import { AppError } from "./errors";
import type { Metrics } from "./metrics";
import type { RedisClient } from "./redis";

/** At most `points` in any window of `seconds`. */
export interface Rate {
  points: number;
  seconds: number;
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** A rate setting: "<count>/<window>" ("10/15m", "30/10s", "20/1h"), or "off". */
export const RateSetting = z
  .string()
  .trim()
  .regex(/^(off|\d{1,9}\/\d{1,6}[smh])$/, 'a rate is "<count>/<window>" such as "10/15m", or "off"')
  .transform((value): Rate | null => {
    if (value === "off") return null;
    const [count = "0", window = "1s"] = value.split("/");
    const unit = window.at(-1) as keyof typeof UNIT_SECONDS;
    return { points: Number(count), seconds: Number(window.slice(0, -1)) * UNIT_SECONDS[unit] };
  });

/** The limits on what one account or address may do how often; null: no limit. */
export interface RateLimits {
  /**
   * Password checks per account name (whether or not the account exists), counted before each
   * check so that concurrent ones count; a successful login forgives them.
   */
  loginPerAccount: Rate | null;
  /** Login attempts per client address. */
  loginPerAddress: Rate | null;
  /** Registrations per client address. */
  registerPerAddress: Rate | null;
  /** Messages per user per room. */
  messagesPerRoom: Rate | null;
  /** Changes to messages (edits, deletions, reactions, pins) per user per room. */
  changesPerRoom: Rate | null;
  /** Searches per user (`search.messages`), every page counted. */
  searchesPerUser: Rate | null;
  /** File uploads per user. */
  uploadsPerUser: Rate | null;
  /** Messages posted through one incoming webhook (`POST /hooks/<id>/<secret>`), per hook. */
  messagesPerHook: Rate | null;
}

export type LimitName = keyof RateLimits;

/** What a caller hit: the error every transport answers with 429 or an error frame. */
export class RateLimited extends AppError {
  constructor(
    what: string,
    /** Whole seconds until the next attempt can succeed. */
    readonly retryAfterSeconds: number,
  ) {
    super("TOO_MANY", `${what}: try again in ${formatWait(retryAfterSeconds)}`);
  }
}

const units = (unit: "hour" | "minute" | "second") =>
  new Intl.NumberFormat("en", { style: "unit", unit, unitDisplay: "long" });
const HOURS = units("hour");
const MINUTES = units("minute");
const SECONDS = units("second");
const BOTH = new Intl.ListFormat("en", { type: "unit", style: "long" });

/**
 * A wait, in whole seconds, as people say it, never shorter than it is: "45 seconds", "3 minutes,
 * 20 seconds" (under 10 minutes), "39 minutes" (2335 s, rounded up), "2 hours, 5 minutes". For
 * messages to people; HTTP's `Retry-After` stays in seconds.
 */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return SECONDS.format(s);
  if (s < 600) {
    const [m, rest] = [Math.floor(s / 60), s % 60];
    return rest ? BOTH.format([MINUTES.format(m), SECONDS.format(rest)]) : MINUTES.format(m);
  }
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return MINUTES.format(minutes);
  const [h, m] = [Math.floor(minutes / 60), minutes % 60];
  return m ? BOTH.format([HOURS.format(h), MINUTES.format(m)]) : HOURS.format(h);
}

const WORDS: Record<LimitName, string> = {
  loginPerAccount: "too many failed logins for this account",
  loginPerAddress: "too many login attempts from this address",
  registerPerAddress: "too many registrations from this address",
  messagesPerRoom: "you are sending messages too fast",
  changesPerRoom: "you are changing messages too fast",
  searchesPerUser: "you are searching too fast",
  uploadsPerUser: "you are uploading files too fast",
  messagesPerHook: "this webhook is posting too fast",
};

export interface Limits {
  /** Counts one attempt of `limit` by `key`; throws `RateLimited` once `key` is over the limit. */
  take(limit: LimitName, key: string): Promise<void>;
  /** Throws `RateLimited` if `key` is over `limit` already, without counting an attempt. */
  check(limit: LimitName, key: string): Promise<void>;
  /** Gives back one attempt of `limit` counted for `key` (one that turned out to be a retry of a stored message). */
  refund(limit: LimitName, key: string): Promise<void>;
  /** Forgets what `key` has done (a successful login clears the failures before it). */
  forgive(limit: LimitName, key: string): Promise<void>;
}

/**
 * The rate limits of a process (rate-limiter-flexible): counted in Redis when there is one (a
 * server or a cluster: each count is one key), so that every instance sees the same counts, else in memory. If Redis cannot be reached, each
 * process counts in memory meanwhile rather than refusing everyone or letting everyone through.
 */
export function createLimits(
  rates: RateLimits,
  options: { redis?: RedisClient; prefix: string; metrics?: Metrics },
): Limits {
  const limiters = new Map(
    (Object.entries(rates) as [LimitName, Rate | null][]).flatMap(([name, rate]) => {
      if (!rate) return [];
      const shape = { points: rate.points, duration: rate.seconds, keyPrefix: `${options.prefix}limit:${name}` };
      const limiter = options.redis
        ? new RateLimiterRedis({
            ...shape,
            storeClient: options.redis,
            insuranceLimiter: new RateLimiterMemory(shape),
            // A key that used up its points is refused from this process's memory until its window
            // ends: a flood costs no Redis round trip per refusal, and a Redis outage does not
            // hand it a fresh count.
            inMemoryBlockOnConsumed: rate.points,
          })
        : new RateLimiterMemory(shape);
      return [[name, limiter] as const];
    }),
  );

  const refuse = (limit: LimitName, res: RateLimiterRes): never => {
    options.metrics?.limited.inc({ limit });
    throw new RateLimited(WORDS[limit], Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
  };

  return {
    async take(limit, key) {
      try {
        await limiters.get(limit)?.consume(key);
      } catch (error) {
        if (error instanceof RateLimiterRes) refuse(limit, error);
        throw error;
      }
    },
    async check(limit, key) {
      const limiter = limiters.get(limit);
      const res = await limiter?.get(key);
      if (limiter && res && res.consumedPoints >= limiter.points) refuse(limit, res);
    },
    async refund(limit, key) {
      await limiters.get(limit)?.reward(key, 1);
    },
    async forgive(limit, key) {
      await limiters.get(limit)?.delete(key);
    },
  };
}

/**
 * A pace kept in this process only, per key (the calls of one socket): `wait(key, points)` counts
 * `points` (default 1) and resolves with 0 while `key` is within `rate`, else with the
 * milliseconds until its window ends.
 */
export function createPace(rate: Rate): { wait(key: string, points?: number): Promise<number> } {
  const limiter = new RateLimiterMemory({ points: rate.points, duration: rate.seconds });
  return {
    wait: (key, points = 1) =>
      limiter.consume(key, points).then(
        () => 0,
        (error: unknown) => {
          if (error instanceof RateLimiterRes) return error.msBeforeNext;
          throw error;
        },
      ),
  };
}
