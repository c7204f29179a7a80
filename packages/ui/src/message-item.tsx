import type { CSSProperties } from "react";
import { Avatar } from "./avatar";

/** The author of a message, as the API sends it (`MessageOut["author"]`). */
export interface MessageAuthor {
  id: number;
  username: string;
  displayName: string | null;
}

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
  className?: string;
}

/** "HH:MM" in UTC: the same on the server and in the browser, so rendering never mismatches. */
export function timeOf(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(11, 16);
}

const systemStyle: CSSProperties = {
  margin: "4px 0",
  textAlign: "center",
  fontSize: "0.85em",
  fontStyle: "italic",
  color: "#6b7280",
};

const textStyle: CSSProperties = { display: "flex", gap: 8, alignItems: "flex-start", margin: "8px 0" };

/** One message in a conversation: a system notice centred and muted, a text message with its author. */
export function MessageItem({ kind, author, body, createdAt, own = false, className }: MessageItemProps) {
  if (kind === "system" || author === null) {
    return (
      <li className={className} data-kind="system" style={systemStyle}>
        {body} <time dateTime={createdAt}>{timeOf(createdAt)}</time>
      </li>
    );
  }
  const name = author.displayName ?? author.username;
  return (
    <li className={className} data-kind="text" data-own={own || undefined} style={textStyle}>
      <Avatar name={name} />
      <div style={{ minWidth: 0 }}>
        <div style={{ fontSize: "0.85em", color: "#6b7280" }}>
          <strong style={{ color: own ? "#2563eb" : "inherit" }}>{name}</strong>{" "}
          <time dateTime={createdAt}>{timeOf(createdAt)}</time>
        </div>
        <p style={{ margin: 0, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{body}</p>
      </div>
    </li>
  );
}
