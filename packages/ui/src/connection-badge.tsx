export type ConnectionState = "connecting" | "connected" | "reconnecting";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
};

/** Says whether live updates are flowing: connected, or (re)connecting. */
export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className="pl-connection" role="status" aria-label="Connection" data-state={state}>
      <span className="pl-connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
