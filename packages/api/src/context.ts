import type { Gauge } from "prom-client";
import type { Deps } from "./deps";
import { AppError } from "./errors";
import type { MessageOut } from "./schemas";

/** What every procedure sees, whatever the transport: the dependencies and the caller's token. */
export interface Context {
  deps: Deps;
  /** The bearer token the caller presented, if any; checked lazily by `authedProcedure`. */
  token: string | null;
  /** The caller's address (see `clientAddressOf`), where the transport knows it: rate limits count per address. */
  clientAddress: string | null;
  /** Set on long-lived connections (WebSocket): what one connection may hold open at once. */
  connection?: ConnectionSlots;
}

export interface ConnectionSlots {
  /** Takes a subscription slot, or throws when the connection holds too many. */
  claimSubscription(): void;
  /** Gives back a slot `claimSubscription` took (once per claim). */
  releaseSubscription(): void;
  /** A wire for one subscription of this connection, where the transport can write frames itself (undefined where it cannot). */
  openWire?(): SubscriptionWire | undefined;
}

/**
 * The fan-out hot path: writes a subscription's room messages straight to its socket, as the
 * frames the subscription itself would send, without the per-event hops of async iteration.
 * A subscription writes nothing through it before it has yielded a `mark`ed event the usual way
 * (which tells the wire which subscription it is), and only ever in its own order.
 */
export interface SubscriptionWire {
  /** Marks an event the subscription is about to yield; its frame names the subscription. */
  mark(event: object): void;
  /** Sends a room message as the subscription's next event (tracked by `seq`); false until it can. */
  writeMessage(seq: number, message: MessageOut): boolean;
}

export function createContext(
  deps: Deps,
  token: string | null | undefined,
  options: { clientAddress?: string | null; connection?: ConnectionSlots } = {},
): Context {
  const { clientAddress = null, connection } = options;
  return { deps, token: token || null, clientAddress, ...(connection ? { connection } : {}) };
}

/**
 * Slots for at most `max` subscriptions at once on one connection, counted in `open` too. A class,
 * so that a connection's slots are one small object (its methods are shared by every connection).
 */
export class SubscriptionSlots implements ConnectionSlots {
  private held = 0;

  constructor(
    private readonly max: number,
    private readonly open?: Gauge,
  ) {}

  claimSubscription(): void {
    if (this.held >= this.max)
      throw new AppError("TOO_MANY", `a connection may hold at most ${this.max} subscriptions`);
    this.held++;
    this.open?.inc();
  }

  releaseSubscription(): void {
    if (this.held === 0) return;
    this.held--;
    this.open?.dec();
  }
}

/**
 * A token from `Authorization: Bearer <jwt>` or a bare `Authorization: <jwt>` (as the seed
 * clients send it).
 */
export function tokenFromAuthorization(header: string | null | undefined): string | null {
  const value = header?.trim();
  if (!value) return null;
  const match = /^bearer\s+(.+)$/i.exec(value);
  return (match ? match[1] : value)?.trim() || null;
}
