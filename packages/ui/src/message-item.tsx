import { Avatar } from "./avatar";
import { LinkifiedText } from "./linkified-text";

/** The author of a message, as the API sends it (`MessageOut["author"]`). */
export interface MessageAuthor {
  id: number;
  username: string;
  displayName: string | null;
}

/** Where a message sent from this browser stands: on its way, or failed and waiting for a retry. */
export type MessageStatus = "sent" | "pending" | "failed";

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
  /** Set when the previous message has the same author, a moment before: the name is not repeated. */
  continued?: boolean;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });

/** The time of day in the reader's locale ("14:05", "2:05 PM"). */
export function timeOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

function Timestamp({ iso }: { iso: string }) {
  const date = new Date(iso);
  const title = Number.isNaN(date.getTime()) ? undefined : fullFormat.format(date);
  // The server renders in its own locale and time zone, the browser in the reader's: let it differ.
  return (
    <time className="pl-message-time" dateTime={iso} title={title} suppressHydrationWarning>
      {timeOf(iso)}
    </time>
  );
}

/** One message in a conversation: a system notice centred and muted, a text message with its author. */
export function MessageItem(props: MessageItemProps) {
  const { kind, author, body, createdAt, own = false, status = "sent", error, onRetry, continued = false } = props;
  if (kind === "system" || author === null) {
    return (
      <li className="pl-notice" data-kind="system">
        <span>{body}</span> <Timestamp iso={createdAt} />
      </li>
    );
  }
  const name = author.displayName ?? author.username;
  return (
    <li
      className="pl-message"
      data-kind="text"
      data-own={own || undefined}
      data-status={status === "sent" ? undefined : status}
      data-continued={continued || undefined}
      aria-busy={status === "pending" || undefined}
    >
      {continued ? <span className="pl-message-gutter" /> : <Avatar name={name} size={36} />}
      <div className="pl-message-main">
        {continued ? null : (
          <div className="pl-message-meta">
            <span className="pl-message-author">{name}</span>
            {author.displayName ? <span className="pl-message-username">@{author.username}</span> : null}
            <Timestamp iso={createdAt} />
          </div>
        )}
        <p className="pl-message-body">
          <LinkifiedText text={body} />
        </p>
        {status === "pending" ? <span className="pl-message-state">Sending…</span> : null}
        {status === "failed" ? (
          <span className="pl-message-state" role="alert">
            Not sent{error ? `: ${error}` : ""}.{" "}
            {onRetry ? (
              <button type="button" className="pl-link-button" onClick={onRetry}>
                Retry
              </button>
            ) : null}
          </span>
        ) : null}
      </div>
    </li>
  );
}
