import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

/** What a user may do on the whole server: separate from owning a room (`member_role`). */
export const userRole = pgEnum("user_role", ["member", "admin"]);

export const users = pgTable(
  "users",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** As the user typed it (NFC): what Parley shows. */
    username: text("username").notNull(),
    /** `foldName(username)`: what makes two usernames the same (see fold.ts). Written with every username. */
    usernameKey: text("username_key").notNull(),
    email: text("email"),
    /** `foldName(email)`, null without an e-mail address. Written with every e-mail address. */
    emailKey: text("email_key"),
    displayName: text("display_name"),
    /** Argon2id; null for a bot (it signs in only with personal access tokens) and a deleted account. */
    passwordHash: text("password_hash"),
    /** Administrators run the server (accounts, rooms, registration); the first account is one. */
    role: userRole("role").notNull().default("member"),
    /** A bot account: created by an administrator, no password, acts only through its tokens. */
    isBot: boolean("is_bot").notNull().default(false),
    /** Disabled by an administrator: no sign-in, every session ended; its messages stay. Null: enabled. */
    disabledAt: timestamp("disabled_at", { withTimezone: true }),
    /**
     * Deleted by an administrator: its name, e-mail and password are gone, and its messages stay
     * under a "deleted user" label. Null: not deleted.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    /** An administrator reset the password: the user must choose a new one at the next sign-in. */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    /**
     * Tokens issued before this second no longer sign in: set when the password changes, which
     * ends every session of the user at once. Null: no token has been ended this way.
     */
    sessionsValidAfter: timestamp("sessions_valid_after", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_username_key_key").on(t.usernameKey), uniqueIndex("users_email_key_key").on(t.emailKey)],
);

export const roomKind = pgEnum("room_kind", ["room", "direct"]);
export const memberRole = pgEnum("member_role", ["owner", "member"]);
export const messageKind = pgEnum("message_kind", ["text", "system"]);
/** A change to a message, each an event with its own sequence number in the room's log (see `messageChanges`). */
export const messageChangeKind = pgEnum("message_change_kind", [
  "edited",
  "deleted",
  "reacted",
  "unreacted",
  "pinned",
  "unpinned",
]);

/** The longest room topic, in characters (Unicode code points, as PostgreSQL's char_length counts them). */
export const ROOM_TOPIC_MAX = 250;

export const rooms = pgTable(
  "rooms",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    kind: roomKind("kind").notNull().default("room"),
    /** Null for direct conversations, which are named after the other member. */
    name: text("name"),
    /** `foldName(name)` (see fold.ts), null for direct conversations. Written with every name. */
    nameKey: text("name_key"),
    /**
     * Which of Parley's own rooms this is ("lobby"), set only by the service that creates it; null
     * for every room a user creates. Built-in rooms are found by this, never by their name.
     */
    builtin: text("builtin"),
    isPrivate: boolean("is_private").notNull().default(false),
    /** The creator, who owns the room. Null for direct conversations. */
    ownerId: integer("owner_id").references(() => users.id),
    /** "<lower id>:<higher id>" for a direct conversation: one conversation per pair. */
    directKey: text("direct_key"),
    /** Last sequence number handed out in this room; bumped in the inserting transaction. */
    lastSeq: bigint("last_seq", { mode: "number" }).notNull().default(0),
    /** What the room is about, set by its owner; at most ROOM_TOPIC_MAX characters (code points). Null: none. */
    topic: text("topic"),
    createdAt: createdAt(),
  },
  (t) => [
    check("rooms_topic_length", sql`char_length(${t.topic}) <= ${sql.raw(String(ROOM_TOPIC_MAX))}`),
    // Users' rooms have names of their own; a built-in room never collides with one made before it.
    uniqueIndex("rooms_name_key_key").on(t.nameKey).where(sql`${t.kind} = 'room' and ${t.builtin} is null`),
    uniqueIndex("rooms_builtin_key").on(t.builtin),
    uniqueIndex("rooms_direct_key_key").on(t.directKey),
    index("rooms_public_name_idx").on(t.nameKey, t.id).where(sql`${t.kind} = 'room' and ${t.isPrivate} = false`),
    check(
      "rooms_kind_shape",
      sql`(${t.kind} = 'room' and ${t.name} is not null and ${t.nameKey} is not null and ${t.directKey} is null)
       or (${t.kind} = 'direct' and ${t.name} is null and ${t.nameKey} is null and ${t.directKey} is not null and ${t.isPrivate} and ${t.builtin} is null)`,
    ),
  ],
);

export const roomMembers = pgTable(
  "room_members",
  {
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull().default("member"),
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
    /**
     * The member has read the room up to this sequence number: messages after it are unread.
     * Starts at the room's `last_seq` when the membership is created, so history is not unread.
     * A bigint like `rooms.last_seq`, which it copies and is compared with.
     */
    lastReadSeq: bigint("last_read_seq", { mode: "number" }).notNull().default(0),
    /** The member muted the room: its unread count shows without a badge, and it notifies of nothing. */
    muted: boolean("muted").notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] }), index("room_members_user_idx").on(t.userId, t.roomId)],
);

/** What a system notice is about, so that clients can render and react to it. */
export type NoticeData =
  | { event: "joined"; userId: number; username: string }
  | { event: "left"; userId: number; username: string }
  | { event: "invited"; userId: number; username: string; byUserId: number }
  | { event: "renamed"; userId: number; from: string; to: string }
  /** The owner renamed the room. */
  | { event: "room-renamed"; byUserId: number; username: string; from: string; to: string }
  /** The owner set the room's topic (null: cleared it). */
  | { event: "topic-changed"; byUserId: number; username: string; topic: string | null }
  /** The owner removed a member. */
  | { event: "removed"; userId: number; username: string; byUserId: number };

/** What an incoming webhook's message shows of its sender instead of the bot's own name and picture. */
export interface SenderOverride {
  username?: string;
  iconUrl?: string;
}

export const messages = pgTable(
  "messages",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    /** Null for system notices. */
    authorId: integer("author_id").references(() => users.id),
    kind: messageKind("kind").notNull().default("text"),
    body: text("body").notNull(),
    notice: jsonb("notice").$type<NoticeData>(),
    /** Per-room, gap-free, strictly increasing. */
    seq: bigint("seq", { mode: "number" }).notNull(),
    /** The sender's own id for this message, so that a retry is recognised. */
    clientId: text("client_id"),
    createdAt: createdAt(),
    /**
     * The message this one replies to, in its thread: a top-level message of the same room (threads
     * are one level deep). Null for a top-level message.
     */
    parentId: bigint("parent_id", { mode: "number" }).references((): AnyPgColumn => messages.id),
    /** When the text was last edited; null if never. */
    editedAt: timestamp("edited_at", { withTimezone: true }),
    /**
     * When the message was deleted: a tombstone. Its body is then '' and its notice, mentions,
     * reactions and pin are gone from storage; only id, room, sequence number, author and times stay.
     */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    /** When the message was pinned to its room, and by whom; null when not pinned. */
    pinnedAt: timestamp("pinned_at", { withTimezone: true }),
    pinnedBy: integer("pinned_by").references(() => users.id),
    /**
     * Users mentioned by `@username` who were members when the text was stored (parsed on the
     * server, for display); who is notified is in `mentions`.
     */
    mentionIds: integer("mention_ids").array().notNull().default(sql`'{}'::integer[]`),
    /** The text says `@room` (owners only): every member is mentioned. */
    mentionsRoom: boolean("mentions_room").notNull().default(false),
    /** A top-level message's thread: how many replies it has (deleted ones not counted). */
    replyCount: integer("reply_count").notNull().default(0),
    /** When the newest reply (not deleted) was stored; null without replies. */
    lastReplyAt: timestamp("last_reply_at", { withTimezone: true }),
    /** The authors of the thread's replies, in the order they first replied. */
    threadParticipantIds: integer("thread_participant_ids").array().notNull().default(sql`'{}'::integer[]`),
    /**
     * The name and picture an incoming webhook's message shows instead of its bot's (Slack's
     * `username` and `icon_url`), where the hook allows them; null: the author's own.
     */
    senderOverride: jsonb("sender_override").$type<SenderOverride>(),
  },
  (t) => [
    uniqueIndex("messages_room_seq_key").on(t.roomId, t.seq),
    // History pages: a room's top-level messages by sequence number, never reading a thread's replies.
    index("messages_room_top_level_seq_idx").on(t.roomId, t.seq).where(sql`${t.parentId} is null`),
    // A thread's replies, keyset-paged by sequence number.
    index("messages_parent_seq_idx").on(t.parentId, t.seq).where(sql`${t.parentId} is not null`),
    // A room's pinned messages.
    index("messages_pinned_idx").on(t.roomId, t.pinnedAt).where(sql`${t.pinnedAt} is not null`),
    uniqueIndex("messages_client_id_key").on(t.roomId, t.authorId, t.clientId).where(sql`${t.clientId} is not null`),
    check("messages_author_kind", sql`(${t.kind} = 'text') = (${t.authorId} is not null)`),
  ],
);

/**
 * Who a message mentions, one row per member notified (`@username`, or every member but the author
 * for `@room`), written with the message and rewritten with each edit, gone with a deletion: a
 * user's mention count in a room is these rows after their read mark, read on the primary key.
 */
export const mentions = pgTable(
  "mentions",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    /** The message's own sequence number (`messages.seq`). */
    seq: bigint("seq", { mode: "number" }).notNull(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roomId, t.seq] }), index("mentions_message_idx").on(t.messageId)],
);

/**
 * Reactions: one row per (message, emoji, user). Adding is idempotent by the primary key. At most
 * `MAX_REACTIONS_PER_MESSAGE` distinct emoji per message (checked by the service, under the room's
 * row lock).
 */
export const reactions = pgTable(
  "reactions",
  {
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    /** One emoji: a single grapheme cluster, checked with emoji-regex. */
    emoji: text("emoji").notNull(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.emoji, t.userId] })],
);

/**
 * The room's log of changes to messages: each edit, deletion, reaction added or removed, pin and
 * unpin takes the room's next sequence number, as a new message does (a message's own row is the
 * event of its creation). Together with `messages.seq` the room's sequence is gap-free. A change
 * never holds a message's text: replaying it shows the message as it is now, so a deleted text is
 * never sent again.
 */
export const messageChanges = pgTable(
  "message_changes",
  {
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    change: messageChangeKind("change").notNull(),
    /** Who made the change (every change has one: notices are never changed). */
    actorId: integer("actor_id")
      .notNull()
      .references(() => users.id),
    /** The emoji of a reaction added or removed; null for other changes. */
    emoji: text("emoji"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] })],
);

/** The longest file name kept, in characters (code points); longer names are shortened at upload. */
export const FILE_NAME_MAX = 255;

/**
 * Files shared in conversations: metadata only; the bytes live in the file store (under DATA_DIR,
 * or in an S3-compatible bucket), at `storage_key` (and `thumbnail_key` for an image's thumbnail).
 *
 * A file is uploaded first (a row with `message_id` null: pending, reachable only by its
 * uploader), then attached to the message that is sent with it, in the sending transaction. A
 * pending file that is never sent, and every file of a deleted message (`deleted_at` set in the
 * deleting transaction), is removed from the store and from this table by the sweeper.
 */
export const files = pgTable(
  "files",
  {
    /** Random (v4): unguessable, though every download checks access anyway. */
    id: uuid("id").primaryKey().defaultRandom(),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    uploaderId: integer("uploader_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The message the file was sent with; null while pending (uploaded, not sent yet). */
    messageId: bigint("message_id", { mode: "number" }).references(() => messages.id, { onDelete: "cascade" }),
    /** Its place among its message's files, from 0. */
    position: integer("position").notNull().default(0),
    /** The name it was uploaded under (NFC, at most FILE_NAME_MAX characters, no path). */
    name: text("name").notNull(),
    /** The type its content shows (detected with file-type), never the one the client claimed. */
    contentType: text("content_type").notNull(),
    /** Size of the stored original, in bytes (after an image's metadata was stripped). */
    size: bigint("size", { mode: "number" }).notNull(),
    /** An image's dimensions in pixels, as displayed (after EXIF orientation); null for other files. */
    width: integer("width"),
    height: integer("height"),
    /** Where the original is in the file store. */
    storageKey: text("storage_key").notNull(),
    /** Where an image's thumbnail is in the file store; null for other files. */
    thumbnailKey: text("thumbnail_key"),
    createdAt: createdAt(),
    /** Its message was deleted: nobody may read it any more, and the sweeper removes its bytes and row. */
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    index("files_message_idx").on(t.messageId, t.position).where(sql`${t.messageId} is not null`),
    index("files_pending_idx").on(t.createdAt).where(sql`${t.messageId} is null`),
    index("files_deleted_idx").on(t.deletedAt).where(sql`${t.deletedAt} is not null`),
    check("files_name_length", sql`char_length(${t.name}) between 1 and ${sql.raw(String(FILE_NAME_MAX))}`),
    check("files_size", sql`${t.size} >= 0`),
  ],
);

export const revokedTokens = pgTable(
  "revoked_tokens",
  {
    jti: text("jti").primaryKey(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [index("revoked_tokens_expires_idx").on(t.expiresAt)],
);

/** Who may create an account: anyone, holders of an administrator's invite link, or nobody. */
export const registrationPolicy = pgEnum("registration_policy", ["open", "invite", "closed"]);

/**
 * The server's own settings that administrators change at run time: one row (`id` is always
 * true). Missing until first written; the service reads its defaults then.
 */
export const serverSettings = pgTable(
  "server_settings",
  {
    id: boolean("id").primaryKey().default(true),
    registration: registrationPolicy("registration").notNull().default("open"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: integer("updated_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [check("server_settings_one_row", sql`${t.id}`)],
);

/**
 * An administrator's invite link to register while registration is `invite`: single-use or
 * limited to `max_uses`, with an expiry. Only the SHA-256 of its secret is stored.
 */
export const registrationInvites = pgTable(
  "registration_invites",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    /** Hex SHA-256 of the link's secret. */
    tokenHash: text("token_hash").notNull(),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    /** How many accounts it may create (1: single-use). */
    maxUses: integer("max_uses").notNull().default(1),
    uses: integer("uses").notNull().default(0),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("registration_invites_token_hash_key").on(t.tokenHash),
    check("registration_invites_uses", sql`${t.uses} >= 0 and ${t.maxUses} >= 1 and ${t.uses} <= ${t.maxUses}`),
  ],
);

/**
 * Personal access tokens: named, optionally expiring, usable wherever a session token is. Shown
 * once at creation; only the SHA-256 of the token is stored.
 */
export const accessTokens = pgTable(
  "access_tokens",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Hex SHA-256 of the whole token. */
    tokenHash: text("token_hash").notNull(),
    /** The token's first characters, shown in lists so that its owner can tell tokens apart. */
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    /** Null: it never expires. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("access_tokens_token_hash_key").on(t.tokenHash), index("access_tokens_user_idx").on(t.userId)],
);

/** Every administrator's action, for administrators to read: who did what to what, and when. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    actorId: integer("actor_id").references(() => users.id, { onDelete: "set null" }),
    /** What was done, as a dotted verb: "user.disabled", "room.deleted", "registration.changed". */
    action: text("action").notNull(),
    /** What it was done to: "user", "room", "invite", "settings", "hook". */
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    /** The action's particulars (old and new values, names), as JSON. */
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [index("audit_log_created_idx").on(t.createdAt, t.id)],
);

/**
 * Slack-compatible incoming webhooks: `POST /hooks/<id>/<secret>` posts into the room as the
 * hook's bot. Only the SHA-256 of the secret is stored; rotating it ends the old URL.
 */
export const incomingWebhooks = pgTable(
  "incoming_webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    /** The bot account the hook's messages come from (a member of the room). */
    botUserId: integer("bot_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** Hex SHA-256 of the URL's secret. */
    secretHash: text("secret_hash").notNull(),
    /** Whether a payload's `username` and `icon_url` may override the bot's name and picture. */
    allowOverrides: boolean("allow_overrides").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [index("incoming_webhooks_room_idx").on(t.roomId)],
);

/**
 * Outgoing webhooks: a room's new messages (those whose first word is one of `trigger_words`, or
 * every one when there are none) are POSTed to `url`, signed per the Standard Webhooks
 * specification with `secret`. A delivery is written for each by the `messages` insert trigger of
 * migration 0011 (in the message's own transaction) and carried out by the job queue (pg-boss).
 * A reply with `text` is posted back as the hook's bot.
 */
export const outgoingWebhooks = pgTable(
  "outgoing_webhooks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    roomId: integer("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    /** The bot account replies are posted as (a member of the room). */
    botUserId: integer("bot_user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdBy: integer("created_by").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** The receiver: an http or https URL. */
    url: text("url").notNull(),
    /** Lower-cased words; a message fires the hook when its first word is one of them. Empty: every message. */
    triggerWords: text("trigger_words").array().notNull().default(sql`'{}'::text[]`),
    /** The signing secret, `whsec_` and base64 of 32 random bytes (Standard Webhooks). */
    secret: text("secret").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("outgoing_webhooks_room_idx").on(t.roomId)],
);

/** One message to send to one outgoing webhook, and what came of each attempt (the owner's delivery log). */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    /** Also the `webhook-id` header, the same on every attempt, and the queue job's id. */
    id: uuid("id").primaryKey().defaultRandom(),
    hookId: uuid("hook_id")
      .notNull()
      .references(() => outgoingWebhooks.id, { onDelete: "cascade" }),
    messageId: bigint("message_id", { mode: "number" })
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    /** The trigger word the message began with; null for a hook without trigger words. */
    triggerWord: text("trigger_word"),
    /**
     * "pending" (written, not yet handed to the queue), "queued", "retrying" (an attempt failed; the
     * queue tries again), "delivered", "failed" (attempts used up, or refused for good), "skipped"
     * (the message was deleted before it could be sent).
     */
    state: text("state").notNull().default("pending"),
    attempts: jsonb("attempts").$type<WebhookAttempt[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("webhook_deliveries_hook_idx").on(t.hookId, t.createdAt),
    index("webhook_deliveries_pending_idx").on(t.createdAt).where(sql`state = 'pending'`),
  ],
);

/** One try at a delivery: when, how long (milliseconds; null when unknown: its process stopped during it), the HTTP status (null when none came) and what went wrong. */
export interface WebhookAttempt {
  at: string;
  ms: number | null;
  status: number | null;
  error: string | null;
}

export type User = typeof users.$inferSelect;
export type Room = typeof rooms.$inferSelect;
export type RoomMember = typeof roomMembers.$inferSelect;
export type Message = typeof messages.$inferSelect;
export type Reaction = typeof reactions.$inferSelect;
export type Mention = typeof mentions.$inferSelect;
export type MessageChange = typeof messageChanges.$inferSelect;
export type StoredFile = typeof files.$inferSelect;
export type AccessToken = typeof accessTokens.$inferSelect;
export type IncomingWebhook = typeof incomingWebhooks.$inferSelect;
