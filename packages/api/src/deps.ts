import type { Database } from "@parley/db";
import type { AccessCache } from "./access-cache";
import type { Bus } from "./bus";
import type { Limits } from "./limits";
import type { Metrics } from "./metrics";
import type { Presence } from "./presence";

/** What every service needs, built once per process and handed in (never imported as singletons). */
export interface Deps {
  db: Database;
  bus: Bus;
  presence: Presence;
  /** Sessions and memberships the hot paths need not ask the database for again (see access-cache.ts). */
  access: AccessCache;
  auth: { secret: Uint8Array; tokenTtlSeconds: number };
  /** Names nobody may register: the senders of the seed protocols' notices and errors. */
  reservedUsernames: readonly string[];
  clock: () => Date;
  metrics: Metrics;
  /** The rate limits (see limits.ts), shared by every instance through Redis in the scaled mode. */
  limits: Limits;
  messages: {
    /** How long after sending its author may edit a message, in seconds (MESSAGE_EDIT_WINDOW); null: no limit. */
    editWindowSeconds: number | null;
  };
  live: {
    /** The most messages a resumed stream replays; beyond that it tells the client to reset. */
    resumeLimit: number;
    /** How long a typing indicator lasts unless renewed. */
    typingTtlMs: number;
  };
}

/** The authenticated caller, as every transport hands it to the services. */
export interface Actor {
  userId: number;
  username: string;
  displayName: string | null;
  /** The id of the token the caller presented, so that logout can revoke exactly it. */
  jti: string;
  tokenExpiresAt: Date;
  /** When the token was issued: a password change ends every token issued before it. */
  tokenIssuedAt: Date;
}
