import type { Database } from "@parley/db";
import type { AccessCache } from "./access-cache";
import type { Bus } from "./bus";
import type { WebhooksConfig } from "./env";
import type { FileStore } from "./files";
import type { Limits } from "./limits";
import type { Metrics } from "./metrics";
import type { Presence } from "./presence";
import type { SendBatcher } from "./services/send-batch";

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
  /**
   * The group commit of new text messages (see services/send-batch.ts); null where each send is
   * its own transaction (the all-in-one mode's PGlite: in-process, one connection, no round trips
   * to gather).
   */
  sends: SendBatcher | null;
  messages: {
    /** How long after sending its author may edit a message, in seconds (MESSAGE_EDIT_WINDOW); null: no limit. */
    editWindowSeconds: number | null;
  };
  files: FilesDeps;
  /** How outgoing webhooks are delivered (WEBHOOK_*; see webhook-queue.ts). */
  outgoingWebhooks: WebhooksConfig;
  live: {
    /** The most messages a resumed stream replays; beyond that it tells the client to reset. */
    resumeLimit: number;
    /** How long a typing indicator lasts unless renewed. */
    typingTtlMs: number;
  };
}

/** Shared files: where their bytes live and the limits of an upload (see services/files.ts). */
export interface FilesDeps {
  store: FileStore;
  /** UPLOAD_MAX_BYTES: the largest upload, in bytes. */
  maxBytes: number;
  /** FILE_URL_TTL_SECONDS: how long a signed download link lives, in seconds. */
  urlTtlSeconds: number;
  /** Where uploads arrive before they are checked (DATA_DIR/files/tmp); the sweeper empties it of leftovers. */
  tempDir: string;
  /** The key Parley's own download links are signed with (see file-links.ts). */
  linkKey: Uint8Array;
}

/** The authenticated caller, as every transport hands it to the services. */
export interface Actor {
  userId: number;
  username: string;
  displayName: string | null;
  /** "admin": may run the server (`adminProcedure`); separate from owning a room. */
  role: "member" | "admin";
  /** A bot account (acts only through personal access tokens). */
  isBot: boolean;
  /**
   * An administrator reset the password: until the user chooses a new one, every procedure but
   * `auth.changePassword`, `auth.logout` and reading their own profile refuses (FORBIDDEN).
   */
  mustChangePassword?: true;
  /** The id of the token the caller presented, so that logout can revoke exactly it. */
  jti: string;
  tokenExpiresAt: Date;
  /** When the token was issued: a password change ends every token issued before it. */
  tokenIssuedAt: Date;
}
