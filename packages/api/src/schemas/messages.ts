import { z } from "zod";
import { Id, IsoDate, storable, UNSTORABLE_WORDS } from "./common";
import { FileId, FileOut, MAX_FILES_PER_MESSAGE } from "./files";
import { SenderOverrideOut } from "./webhooks";

export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_PAGE = 100;

export const MessageText = z
  .string({ error: "message text must be a string" })
  .trim()
  .min(1, "message must not be empty")
  .max(MAX_MESSAGE_LENGTH, `message must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine(storable, `message ${UNSTORABLE_WORDS}`);

export const ClientMessageId = z
  .string()
  .trim()
  .min(1)
  .max(64, "clientId must be at most 64 characters")
  .refine(storable, `clientId ${UNSTORABLE_WORDS}`)
  .describe("the sender's own id for the message: a retry with the same id returns the same message");

/** A message's id: a `bigint` column, unlike room and user ids. */
export const MessageId = z
  .number({ error: "messageId must be a number" })
  .int("messageId must be a whole number")
  .positive("messageId must be positive")
  .max(Number.MAX_SAFE_INTEGER, "messageId is too large");

/** A message's caption beside its files: like `MessageText`, but it may be empty. */
export const MessageCaption = z
  .string({ error: "message text must be a string" })
  .trim()
  .max(MAX_MESSAGE_LENGTH, `message must be at most ${MAX_MESSAGE_LENGTH} characters`)
  .refine(storable, `message ${UNSTORABLE_WORDS}`);

export const SendMessageInput = z
  .object({
    roomId: Id,
    /** The text; with files it is their caption, and may be empty. */
    text: MessageCaption,
    clientId: ClientMessageId.optional(),
    /** Reply in this message's thread: a top-level, not deleted message of the same room. */
    parentId: MessageId.optional(),
    /**
     * Files the caller uploaded to this room (`POST /files`) and has not sent yet, attached to the
     * message in the order given.
     */
    fileIds: z
      .array(FileId)
      .max(MAX_FILES_PER_MESSAGE, `a message can carry at most ${MAX_FILES_PER_MESSAGE} files`)
      .refine((ids) => new Set(ids).size === ids.length, "fileIds: each file at most once")
      .optional(),
  })
  .refine((v) => v.text.length > 0 || (v.fileIds?.length ?? 0) > 0, {
    message: "message must not be empty",
    path: ["text"],
  });
export type SendMessageInput = z.infer<typeof SendMessageInput>;

/** The most distinct emoji one message can carry in reactions. */
export const MAX_REACTIONS_PER_MESSAGE = 20;
/** The most messages a room can have pinned at once (as Slack). */
export const MAX_PINNED_PER_ROOM = 100;

export const MessageRef = z.object({ messageId: MessageId });
export type MessageRef = z.infer<typeof MessageRef>;

/** The new text; it may be empty only for a message with files (their caption). */
export const EditMessageInput = z.object({ messageId: MessageId, text: MessageCaption });
export type EditMessageInput = z.infer<typeof EditMessageInput>;

/**
 * One emoji: a single grapheme cluster that emoji-regex (Unicode's emoji sequences) matches whole.
 * The check itself is `isSingleEmoji` in services/emoji.ts; this bounds the size first.
 */
export const ReactionInput = z.object({
  messageId: MessageId,
  emoji: z
    .string({ error: "emoji must be a string" })
    .trim()
    .min(1, "emoji must not be empty")
    .max(64, "emoji is too long"),
});
export type ReactionInput = z.infer<typeof ReactionInput>;

const Seq = z.number().int().min(0);
export const HistoryInput = z
  .object({
    roomId: Id,
    /** Messages with a smaller sequence number, newest first. */
    before: Seq.optional(),
    /** Messages with a larger sequence number, oldest first. */
    after: Seq.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine((v) => v.before === undefined || v.after === undefined, "give either before or after, not both");
export type HistoryInput = z.infer<typeof HistoryInput>;

export const RoomEventsInput = z.object({
  roomId: Id,
  /**
   * The last sequence number the client has, as the stream sent it (its tracked id: digits, no
   * sign, no leading zero): the stream replays everything after it. Anything else is refused.
   */
  lastEventId: z
    .string()
    .regex(/^(0|[1-9]\d{0,15})$/, "lastEventId: must be a sequence number this server sent (digits only)")
    .refine((id) => Number.isSafeInteger(Number(id)), "lastEventId: must be a sequence number this server sent")
    .nullish(),
});
export type RoomEventsInput = z.infer<typeof RoomEventsInput>;

export const Notice = z.discriminatedUnion("event", [
  z.object({ event: z.literal("joined"), userId: z.number(), username: z.string() }),
  z.object({ event: z.literal("left"), userId: z.number(), username: z.string() }),
  z.object({ event: z.literal("invited"), userId: z.number(), username: z.string(), byUserId: z.number() }),
  z.object({ event: z.literal("renamed"), userId: z.number(), from: z.string(), to: z.string() }),
  /** The owner (`byUserId`, called `username` then) renamed the room. */
  z.object({
    event: z.literal("room-renamed"),
    byUserId: z.number(),
    username: z.string(),
    from: z.string(),
    to: z.string(),
  }),
  /** The owner set the room's topic; null: cleared it. */
  z.object({
    event: z.literal("topic-changed"),
    byUserId: z.number(),
    username: z.string(),
    topic: z.string().nullable(),
  }),
  /** The owner (`byUserId`) removed the member `userId`, called `username` then. */
  z.object({ event: z.literal("removed"), userId: z.number(), username: z.string(), byUserId: z.number() }),
]);

/** One emoji on a message: how many reacted with it, and who (user ids, oldest first). */
export const ReactionOut = z.object({ emoji: z.string(), count: z.number().int().positive(), userIds: z.array(Id) });
export type ReactionOut = z.infer<typeof ReactionOut>;

/** A top-level message's thread, as its parent shows it. */
export const ThreadSummary = z.object({
  /** Replies not deleted. */
  replyCount: z.number().int().min(0),
  /** When the newest reply was stored; null without replies. */
  lastReplyAt: IsoDate.nullable(),
  /** The replies' authors (user ids), in the order they first replied. */
  participantIds: z.array(Id),
});
export type ThreadSummary = z.infer<typeof ThreadSummary>;

export const MessageOut = z.object({
  /** A `bigint` column, unlike room and user ids. */
  id: z.number().int().positive(),
  roomId: Id,
  /** The sequence number the message was created with (changes to it have their own). */
  seq: z.number().int().positive(),
  kind: z.enum(["text", "system"]),
  /**
   * Who wrote it; `deleted` (absent otherwise) when an administrator deleted the account: shown as
   * "deleted user". `isBot`: a bot account's (an incoming webhook's, say).
   */
  author: z
    .object({
      id: Id,
      username: z.string(),
      displayName: z.string().nullable(),
      isBot: z.boolean(),
      deleted: z.literal(true).optional(),
    })
    .nullable(),
  /**
   * An incoming webhook's message: the name and picture it shows instead of its bot author's (Slack's
   * `username` and `icon_url`); null for every other message.
   */
  senderOverride: SenderOverrideOut.nullable(),
  /** The current text; '' for a deleted message. */
  body: z.string(),
  notice: Notice.nullable(),
  clientId: z.string().nullable(),
  createdAt: IsoDate,
  /** The thread this message replies in (its parent's id); null for a top-level message. */
  parentId: z.number().int().positive().nullable(),
  /** When the text was last edited; null if never. */
  editedAt: IsoDate.nullable(),
  /** Set for a tombstone: the message was deleted, and body, notice, reactions and mentions are empty. */
  deletedAt: IsoDate.nullable(),
  /** When the message was pinned to its room; null when it is not. */
  pinnedAt: IsoDate.nullable(),
  reactions: z.array(ReactionOut),
  /** Who the text mentions: members by `@username` (user ids), and everyone by `@room`. */
  mentions: z.object({ userIds: z.array(Id), room: z.boolean() }),
  /** A top-level message's thread; null for replies and for messages nobody replied to. */
  thread: ThreadSummary.nullable(),
  /** The files sent with the message, in order; [] for none (and for a tombstone). */
  files: z.array(FileOut),
});
export type MessageOut = z.infer<typeof MessageOut>;

export const HistoryPage = z.object({
  items: z.array(MessageOut),
  /** Whether more messages lie further in the direction asked for. */
  hasMore: z.boolean(),
  /**
   * The room's newest sequence number (of a message or a change) when the page was read, by the
   * same statement: resume the room's stream from it (`lastEventId`), and nothing is missed or
   * replayed in vain. Larger than the newest message's `seq` when changes or replies came after it.
   */
  lastSeq: z.number().int().min(0),
});
export type HistoryPage = z.infer<typeof HistoryPage>;

/**
 * History around a sequence number (a search result's "jump to message"): the top-level message
 * that holds it (itself, or the parent of the thread a reply is in) and up to `limit` top-level
 * messages on each side.
 */
export const HistoryAroundInput = z.object({
  roomId: Id,
  seq: z.number().int().positive(),
  /** Messages on each side of the anchor. */
  limit: z.number().int().min(1).max(MAX_PAGE).default(25),
});
export type HistoryAroundInput = z.infer<typeof HistoryAroundInput>;

export const HistoryAroundPage = z.object({
  /** Oldest first: older messages, the anchor, newer messages. */
  items: z.array(MessageOut),
  /** The top-level message holding `seq`; null when no message has that sequence number (a change's). */
  anchorId: z.number().int().positive().nullable(),
  /** Whether older messages lie before the first item (page on with `history.list` `before`). */
  hasMoreBefore: z.boolean(),
  /** Whether newer messages lie after the last item (page on with `history.list` `after`). */
  hasMoreAfter: z.boolean(),
  /** As `HistoryPage.lastSeq`: where the room's stream resumes from once the newest is reached. */
  lastSeq: z.number().int().min(0),
});
export type HistoryAroundPage = z.infer<typeof HistoryAroundPage>;

/** A change to a message, each with its own sequence number in the room's log. */
export const MessageChangeKind = z.enum(["edited", "deleted", "reacted", "unreacted", "pinned", "unpinned"]);
export type MessageChangeKind = z.infer<typeof MessageChangeKind>;

export const ThreadInput = z
  .object({
    /** The thread's parent: a top-level message. */
    messageId: MessageId,
    /** Replies with a smaller sequence number, newest first. */
    before: Seq.optional(),
    /** Replies with a larger sequence number, oldest first (the default: from the first reply). */
    after: Seq.optional(),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine((v) => v.before === undefined || v.after === undefined, "give either before or after, not both");
export type ThreadInput = z.infer<typeof ThreadInput>;

export const ThreadPage = z.object({
  /** The thread's parent as it is now (a tombstone if deleted). */
  parent: MessageOut,
  items: z.array(MessageOut),
  hasMore: z.boolean(),
});
export type ThreadPage = z.infer<typeof ThreadPage>;

export const PinnedMessages = z.array(MessageOut);
