import type { ReactNode } from "react";

export interface MessageListProps {
  /** `MessageItem`s, oldest first. */
  children: ReactNode;
  /** Names the conversation for screen readers. */
  label: string;
  className?: string;
}

/** The list a conversation's `MessageItem`s go in; announced politely as new ones arrive. */
export function MessageList({ children, label, className }: MessageListProps) {
  return (
    <ul
      className={className}
      aria-label={label}
      aria-live="polite"
      style={{ listStyle: "none", margin: 0, padding: 0 }}
    >
      {children}
    </ul>
  );
}
