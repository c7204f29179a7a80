export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

/**
 * Says whether live updates are flowing: connected, (re)connecting, or offline (the browser says it
 * has no network). While not connected after having been, `onRetry` is offered as "Retry now",
 * beside the status (its text stays the state alone).
 */
export function ConnectionBadge({ state, onRetry }: { state: ConnectionState; onRetry?: () => void }) {
  const retry = onRetry && (state === "reconnecting" || state === "offline");
  return (
    <span className="pl-connection-area">
      <span className="pl-connection" role="status" aria-label="Connection" data-state={state}>
        <span className="pl-connection-dot" aria-hidden="true" />
        {LABELS[state]}
      </span>
      {retry ? (
        <button type="button" className="pl-link-button pl-connection-retry" onClick={onRetry}>
          Retry now
        </button>
      ) : null}
    </span>
  );
}
