/**
 * A person's presence: `online` (connected in some tab or client and active), `away` (connected,
 * but every connection idle), `offline` (connected nowhere). Decided by the server across every
 * instance; see the web client's `usePresence`.
 */
export type PresenceStatus = "online" | "away" | "offline";

/** Online and away both count as connected: listed first among members, and counted as online. */
export const isConnected = (status: PresenceStatus) => status !== "offline";

/** The words a screen reader hears for a status, and the dot's tooltip. */
export const presenceLabel: Record<PresenceStatus, string> = { online: "Online", away: "Away", offline: "Offline" };

/**
 * The one presence dot used wherever a person is shown (rooms, members, people, direct
 * conversations, profile cards): a small circle whose fill and shape differ per status (not colour
 * alone), with the status in words for assistive technology.
 */
export function PresenceDot({ status }: { status: PresenceStatus }) {
  return (
    <span
      className="pl-presence"
      data-status={status}
      role="img"
      aria-label={presenceLabel[status]}
      title={presenceLabel[status]}
    >
      <span aria-hidden="true" />
    </span>
  );
}
