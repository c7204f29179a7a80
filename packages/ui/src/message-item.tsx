"use client";

import { type ReactNode, useRef, useState } from "react";
import { Avatar, AvatarButton } from "./avatar";
import { BotMark } from "./bot-mark";
import { Icon } from "./icons";
import { LinkifiedText } from "./linkified-text";
import { MentionText } from "./mention-text";
import { type MessageActionHandlers, MessageActions } from "./message-actions";
import { type MessageFile, MessageFiles } from "./message-files";
import { type ReactionEntry, ReactionsBar } from "./reactions-bar";
import { ThreadSummaryButton, type ThreadSummaryProps } from "./thread-summary";
import { fullOf, timeOf } from "./time";

/** The author of a message, as the API sends it (`MessageOut["author"]`). */
export interface MessageAuthor {
  id: number;
  username: string;
  displayName: string | null;
  /** A bot account: a "bot" mark follows the name. */
  isBot?: boolean;
}

/**
 * Where a message sent from this browser stands: on its way, waiting in this tab for the connection
 * to come back (`queued`), or refused and waiting for a retry (`failed`).
 */
export type MessageStatus = "sent" | "pending" | "queued" | "failed";

/** The parts of a message this component draws; shaped like the API's `MessageOut`. */
export interface MessageItemProps {
  kind: "text" | "system";
  /** Null for system notices. */
  author: MessageAuthor | null;
  body: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** Whether the message was sent by the person looking at it. */
  own?: boolean;
  status?: MessageStatus;
  /** Why a failed message failed, in words. */
  error?: string;
  /** Offered on a failed message. */
  onRetry?: () => void;
  /** Offered on a queued or failed message: it is not sent after all. */
  onCancel?: () => void;
  /** Set when the previous message has the same author, a moment before: the name is not repeated. */
  continued?: boolean;
  /** ISO 8601: when the text was last edited ("(edited)", the time in its title). */
  editedAt?: string | null;
  /** ISO 8601: set for a deleted message, drawn as "message deleted" with its author and time, no text. */
  deletedAt?: string | null;
  /** ISO 8601: when it was pinned to the room. */
  pinnedAt?: string | null;
  reactions?: ReactionEntry[];
  onToggleReaction?: (emoji: string, add: boolean) => void;
  /** The thread under a top-level message, and how to open it. */
  thread?: ThreadSummaryProps | null;
  /** Usernames (lower case) the text mentions, `room` for `@room`, and mine. */
  mentioned?: ReadonlySet<string>;
  me?: string;
  /** The message mentions me: drawn highlighted. */
  mentionsMe?: boolean;
  /** The actions the reader may take; each absent one is not offered. */
  actions?: MessageActionHandlers;
  /**
   * The body as the app formats it (Markdown, with its mentions and links), drawn in a block; without
   * it, the body is plain text with its links and mentions marked.
   */
  text?: ReactNode;
  /** Drawn instead of the text while the message is being edited. */
  editor?: ReactNode;
  /** The DOM id of the item, for focusing it from elsewhere. */
  domId?: string;
  /** Opens the author's profile card: their name and avatar become buttons. */
  onOpenAuthor?: () => void;
  /** The files sent with it, in order (a tombstone shows none); its text is their caption. */
  files?: MessageFile[];
  /** The message a search result led to: drawn highlighted for a moment, and focusable to be focused. */
  found?: boolean;
}

/** How long a touch must rest on a message to open its actions. */
const LONG_PRESS_MS = 500;

function Timestamp({ iso, className = "pl-message-time" }: { iso: string; className?: string }) {
  const date = new Date(iso);
  const title = Number.isNaN(date.getTime()) ? undefined : fullOf(iso);
  // The server renders in its own locale and time zone, the browser in the reader's: let it differ.
  return (
    <time className={className} dateTime={iso} title={title} suppressHydrationWarning>
      {timeOf(iso)}
    </time>
  );
}

/** A message's files in words, for its accessible name: " (2 files: a.png, b.pdf)". */
function filesText(files: MessageFile[]): string {
  if (files.length === 0) return "";
  const names = files.map((file) => file.name).join(", ");
  return ` (${files.length === 1 ? "1 file" : `${files.length} files`}: ${names})`;
}

/** One message in a conversation: a system notice centred and muted, a text message with its author. */
export function MessageItem(props: MessageItemProps) {
  const { kind, author, body, createdAt, own = false, status = "sent", error, onRetry, onCancel } = props;
  const { continued = false } = props;
  const { editedAt, deletedAt, pinnedAt, reactions = [], thread, actions, editor, domId } = props;
  const files = props.deletedAt ? [] : (props.files ?? []);
  const [touchOpen, setTouchOpen] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  if (kind === "system" || author === null) {
    return (
      <li className="pl-notice" data-kind="system">
        <span>{body}</span> <Timestamp iso={createdAt} />
      </li>
    );
  }
  const name = author.displayName ?? author.username;
  const deleted = Boolean(deletedAt);
  // A pinned, edited or deleted message shows its author again, so the mark reads with a name.
  const showMeta = !continued || deleted || Boolean(pinnedAt);
  const hasActions = !deleted && status === "sent" && actions !== undefined && !editor;
  const cancelPress = () => clearTimeout(press.current);
  return (
    <li
      id={domId}
      className="pl-message"
      data-kind="text"
      data-own={own || undefined}
      data-status={status === "sent" ? undefined : status}
      data-continued={!showMeta || undefined}
      data-deleted={deleted || undefined}
      data-pinned={pinnedAt ? true : undefined}
      data-mentions-me={(props.mentionsMe && !deleted) || undefined}
      data-actions-open={touchOpen || undefined}
      data-found={props.found || undefined}
      aria-busy={status === "pending" || undefined}
      // Focusable, so that its actions can be reached from the keyboard (Tab goes on into them).
      tabIndex={hasActions ? 0 : props.found ? -1 : undefined}
      aria-label={
        hasActions
          ? `${name}${author.isBot ? " (bot)" : ""}, ${timeOf(createdAt)}${editedAt ? ", edited" : ""}${pinnedAt ? ", pinned" : ""}: ${body}${filesText(files)}`
          : undefined
      }
      onTouchStart={
        hasActions ? () => (press.current = setTimeout(() => setTouchOpen(true), LONG_PRESS_MS)) : undefined
      }
      onTouchEnd={hasActions ? cancelPress : undefined}
      onTouchMove={hasActions ? cancelPress : undefined}
      onBlur={(event) => {
        if (touchOpen && !event.currentTarget.contains(event.relatedTarget)) setTouchOpen(false);
      }}
    >
      {showMeta ? (
        props.onOpenAuthor ? (
          // The name is the keyboard's way to the card (one tab stop); the avatar is for the pointer.
          <AvatarButton name={name} size={36} label={`Profile of ${name}`} onClick={props.onOpenAuthor} />
        ) : (
          <Avatar name={name} size={36} />
        )
      ) : (
        // A grouped message shows its time here on hover or focus (see .pl-message-gutter-time).
        <span className="pl-message-gutter">
          <Timestamp iso={createdAt} className="pl-message-time pl-message-gutter-time" />
        </span>
      )}
      <div className="pl-message-main">
        {showMeta ? (
          <div className="pl-message-meta">
            {props.onOpenAuthor ? (
              <button type="button" className="pl-message-author pl-name-button" onClick={props.onOpenAuthor}>
                {name}
              </button>
            ) : (
              <span className="pl-message-author">{name}</span>
            )}
            {author.isBot ? <BotMark /> : null}
            {author.displayName ? <span className="pl-message-username">@{author.username}</span> : null}
            <Timestamp iso={createdAt} />
            {pinnedAt ? (
              <span className="pl-message-pin" title={`Pinned ${fullOf(pinnedAt)}`}>
                <Icon name="pin" size={12} /> Pinned
              </span>
            ) : null}
          </div>
        ) : null}
        {deleted ? (
          <p className="pl-message-body pl-message-deleted">
            <span title={`Deleted ${fullOf(deletedAt ?? "")}`}>message deleted</span>
          </p>
        ) : editor ? (
          editor
        ) : body === "" && files.length > 0 ? null : props.text !== undefined ? (
          <div className="pl-message-body pl-message-formatted">
            {props.text}
            {editedAt ? (
              <span className="pl-message-edited" title={`Edited ${fullOf(editedAt)}`}>
                (edited)
              </span>
            ) : null}
          </div>
        ) : (
          <p className="pl-message-body">
            {props.mentioned ? (
              <MentionText text={body} mentioned={props.mentioned} me={props.me} />
            ) : (
              <LinkifiedText text={body} />
            )}
            {editedAt ? (
              <>
                {" "}
                <span className="pl-message-edited" title={`Edited ${fullOf(editedAt)}`}>
                  (edited)
                </span>
              </>
            ) : null}
          </p>
        )}
        <MessageFiles files={files} />
        {deleted ? null : (
          <ReactionsBar reactions={reactions} onToggle={props.onToggleReaction} onAdd={actions?.onReact} />
        )}
        {thread ? <ThreadSummaryButton {...thread} /> : null}
        {status === "pending" ? <span className="pl-message-state">Sending…</span> : null}
        {status === "queued" ? (
          <span className="pl-message-state">
            Waiting for connection…{" "}
            {onCancel ? (
              <button type="button" className="pl-link-button" onClick={onCancel}>
                Cancel
              </button>
            ) : null}
          </span>
        ) : null}
        {status === "failed" ? (
          <span className="pl-message-state" role="alert">
            Not sent{error ? `: ${error}` : ""}.{" "}
            {onRetry ? (
              <button type="button" className="pl-link-button" onClick={onRetry}>
                Retry
              </button>
            ) : null}
            {onRetry && onCancel ? " " : null}
            {onCancel ? (
              <button type="button" className="pl-link-button" onClick={onCancel}>
                Cancel
              </button>
            ) : null}
          </span>
        ) : null}
      </div>
      {hasActions && actions ? (
        <MessageActions handlers={actions} pinned={Boolean(pinnedAt)} label={`message from ${name}`} />
      ) : null}
    </li>
  );
}
