import { Avatar } from "./avatar";
import { timeOf } from "./time";

export interface ThreadSummaryProps {
  replyCount: number;
  /** ISO 8601; null without replies. */
  lastReplyAt: string | null;
  /** The names of the people taking part, in the order they first replied. */
  participants: string[];
  onOpen: () => void;
  /** Whether this thread is the one open beside the room. */
  open?: boolean;
}

/** Under a message with replies: who takes part, "N replies · last reply 14:05", opening the thread. */
export function ThreadSummaryButton({ replyCount, lastReplyAt, participants, onOpen, open }: ThreadSummaryProps) {
  if (replyCount === 0) return null;
  const count = `${replyCount} ${replyCount === 1 ? "reply" : "replies"}`;
  const last = lastReplyAt ? ` · last reply ${timeOf(lastReplyAt)}` : "";
  return (
    <button type="button" className="pl-thread-summary" onClick={onOpen} aria-expanded={open ?? false}>
      <span className="pl-thread-avatars" aria-hidden="true">
        {participants.slice(0, 4).map((name) => (
          <Avatar key={name} name={name} size={20} />
        ))}
      </span>
      <span className="pl-thread-count">{count}</span>
      <span className="pl-thread-last">{last}</span>
      <span className="pl-visually-hidden">: open the thread</span>
    </button>
  );
}
