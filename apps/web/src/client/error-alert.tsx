import { messageOf } from "./errors";

/** What went wrong, in words, announced as an alert; nothing when nothing did. */
export function ErrorAlert({ error, className = "pl-alert" }: { error: unknown; className?: string }) {
  if (!error) return null;
  return (
    <p className={className} role="alert">
      {messageOf(error)}
    </p>
  );
}
