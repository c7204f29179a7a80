/**
 * The health of the browser's one WebSocket to the realtime server, on top of tRPC's own client:
 * how soon it tries again after a drop (a short, capped backoff instead of tRPC's 30 s), how long a
 * connection attempt or an unanswered ping may hang before the socket is given up, and "now": the
 * network came back, the tab became visible, or the person asked to retry.
 *
 * tRPC's WebSocket client (11.x) reconnects after a `close` event only, and a socket closed over a
 * dead link may not report `close` for a long while (the closing handshake never completes); nor
 * can its backoff sleep be cut short. So the socket class handed to it (`WebSocket` option) reports
 * `close` at once when it is closed, and the wait between attempts lives in the `url` callback that
 * tRPC awaits before each attempt, where it can be ended early.
 */

/** The wait before the second attempt after a drop, in ms (the first one goes at once); it doubles. */
export const RECONNECT_FIRST_DELAY_MS = 500;

/** The longest wait between two attempts to reconnect, in ms. */
export const RECONNECT_MAX_DELAY_MS = 3000;

/** How long a WebSocket may take to open (the upgrade answered) before the attempt is given up, in ms. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * tRPC's client keep-alive: after `intervalMs` without a frame from the server it sends "PING", and
 * closes the socket when no frame follows within `pongTimeoutMs`: a dead link is noticed at most
 * 9 s after the server was last heard. Both servers answer "PONG" (tRPC's WebSocket adapter does,
 * ahead of any call handling: e2e/network.spec.ts and all-in-one.spec.ts see the PONG).
 */
export const KEEP_ALIVE = { enabled: true, intervalMs: 4000, pongTimeoutMs: 5000 } as const;

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop), in ms: 0, then
 * `RECONNECT_FIRST_DELAY_MS` doubling up to `RECONNECT_MAX_DELAY_MS`, each spread by ±20 % (`random`
 * in [0, 1)) so that the clients of a restarted server do not all come back in the same instant.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(RECONNECT_FIRST_DELAY_MS * 2 ** (attempt - 1), RECONNECT_MAX_DELAY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export interface LinkControl {
  /** For `createWSClient({ WebSocket })`: a browser WebSocket that gives up promptly (see above). */
  WebSocket: typeof WebSocket;
  /** For `createWSClient({ url })`: waits out the backoff before each attempt, then the socket's URL. */
  url: () => Promise<string>;
  /** For `createWSClient({ onOpen })`: the socket opened, so the next drop starts the backoff afresh. */
  opened(): void;
  /**
   * Reconnects now: ends the wait between attempts, gives up an attempt still hanging, or, when the
   * socket is open, pings it at once (a link that died while the tab slept is noticed in
   * `KEEP_ALIVE.pongTimeoutMs` instead of a whole interval later).
   */
  now(): void;
}

/** The socket class and backoff of one WebSocket client, for the realtime server at `socketUrl`. */
export function linkControl(socketUrl: string): LinkControl {
  let attempt = 0;
  let hurry = false;
  let endWait: (() => void) | null = null;
  let current: PromptWebSocket | null = null;

  class PromptWebSocket extends WebSocket {
    /** Given up: its own late events (a slow `close`, a frame in flight) are no longer heard. */
    private ended = false;
    private probe: ReturnType<typeof setTimeout> | undefined;

    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      current = this;
      // Registered before tRPC's own listeners, so that it can keep them from hearing a socket it left.
      for (const type of ["open", "message", "error", "close"]) {
        this.addEventListener(type, (event) => {
          if (this.ended && event.isTrusted) event.stopImmediatePropagation();
          else if (type === "message") clearTimeout(this.probe);
        });
      }
      const opening = setTimeout(() => {
        if (this.readyState === WebSocket.CONNECTING) this.close();
      }, CONNECT_TIMEOUT_MS);
      this.addEventListener("open", () => clearTimeout(opening));
      this.addEventListener("close", () => {
        clearTimeout(opening);
        clearTimeout(this.probe);
      });
    }

    /** Closes, and reports the close at once (as `error` then `close` for a socket still connecting). */
    override close(code?: number, reason?: string): void {
      const wasConnecting = this.readyState === WebSocket.CONNECTING;
      const live = wasConnecting || this.readyState === WebSocket.OPEN;
      super.close(code, reason);
      if (!live || this.ended) return;
      this.ended = true;
      clearTimeout(this.probe);
      if (wasConnecting) this.dispatchEvent(new Event("error"));
      this.dispatchEvent(new CloseEvent("close", { code: code ?? 1006, reason: reason ?? "", wasClean: false }));
    }

    /** Pings now; no frame within `KEEP_ALIVE.pongTimeoutMs` closes the socket. */
    ping(): void {
      if (this.readyState !== WebSocket.OPEN || this.ended) return;
      clearTimeout(this.probe);
      this.send("PING");
      this.probe = setTimeout(() => this.close(), KEEP_ALIVE.pongTimeoutMs);
    }
  }

  return {
    WebSocket: PromptWebSocket,
    async url() {
      const waitMs = hurry ? 0 : reconnectDelayMs(attempt);
      hurry = false;
      attempt++;
      if (waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          endWait = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        endWait = null;
      }
      return socketUrl;
    },
    opened() {
      attempt = 0;
    },
    now() {
      if (endWait) {
        endWait();
        return;
      }
      if (current?.readyState === WebSocket.CONNECTING) {
        hurry = true;
        current.close();
      } else if (current?.readyState === WebSocket.OPEN) {
        current.ping();
      } else {
        hurry = true;
      }
    },
  };
}

/**
 * Calls `now` when the browser says the network is back (`online`) and when the tab becomes visible
 * again (timers of a hidden tab are slowed, and its link may have died meanwhile). Returns what stops it.
 */
export function onNetworkChance(now: () => void): () => void {
  const visible = () => document.visibilityState === "visible" && now();
  window.addEventListener("online", now);
  document.addEventListener("visibilitychange", visible);
  return () => {
    window.removeEventListener("online", now);
    document.removeEventListener("visibilitychange", visible);
  };
}
