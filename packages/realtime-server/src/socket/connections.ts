import type { Actor, Deps } from "@parley/api";
import type { WebSocket } from "ws";
import type { RealtimeEnv } from "../env";
import type { Charge } from "./frame-pace";
import { IncomingFrames } from "./unfinished-messages";

/**
 * One open socket, as this process keeps it for the socket's lifetime. Every field is set by
 * `Connections.add`, so that all connections share one shape; nothing here holds a closure or a
 * timer of its own (the close is heard once, by `Connections`, for every module that cares).
 */
export interface Connection {
  ws: WebSocket;
  /** Charges calls to the socket's frame allowance (see `framePacer`). */
  charge: Charge;
  actor: Actor | null;
  /** The client's address (see `clientAddressOf`). */
  address: string;
  /** Which protocol the socket speaks: tRPC (`/trpc`) or a seed protocol (`/ws`, `/chats/…`). */
  protocol: "trpc" | "seed";
  /** When the socket was adopted (`Date.now()`, ms). */
  openedAt: number;
  /** When the socket last sent a frame, or was adopted (ms; see socket/heartbeat). */
  heardAt: number;
  /** When it was last sent a keep-alive "PING" (ms; 0: never). */
  pingedAt: number;
  /**
   * The token the upgrade request carried (`?token=`, `?jwt=`, `Authorization`), until the tRPC
   * context has read it: the upgrade request itself is not kept for the socket's lifetime.
   */
  upgradeToken: string | null;
  /** Counted toward its account's cap (`countUser`), and so counted out again at the close. */
  countedUser: boolean;
  /** Where the bytes the client sent stand in the WebSocket framing (see socket/unfinished-messages). */
  incoming: IncomingFrames;
}

type Caps = Pick<RealtimeEnv, "WS_MAX_CONNECTIONS_PER_ADDRESS" | "WS_MAX_CONNECTIONS_PER_USER">;

/**
 * The sockets open on this instance, and their caps: WS_MAX_CONNECTIONS_PER_ADDRESS per client
 * address and WS_MAX_CONNECTIONS_PER_USER per account. A socket is counted in by `add` and out
 * again when it closes; modules that keep something per socket are told of each close through
 * `onClose` (one listener per process, not one per socket).
 */
export class Connections implements Iterable<Connection> {
  private readonly open = new Set<Connection>();
  private readonly byWs = new WeakMap<WebSocket, Connection>();
  /** Sockets open per client address and per account on this instance, for their caps. */
  private readonly perAddress = new Tally<string>();
  private readonly perUser = new Tally<number>();
  private readonly closeHooks: ((connection: Connection) => void)[] = [];
  /** Every socket's "close" listener: one function for the process, not a closure per socket. */
  private readonly heardClose: (this: WebSocket) => void;
  /** What a client past WS_MAX_CONNECTIONS_PER_USER is told. */
  readonly tooManyForUser: string;

  constructor(
    private readonly caps: Caps,
    private readonly metrics: Deps["metrics"],
  ) {
    const connections = this;
    this.heardClose = function (this: WebSocket) {
      const connection = connections.byWs.get(this);
      if (connection) connections.remove(connection);
    };
    this.tooManyForUser = `this account has ${caps.WS_MAX_CONNECTIONS_PER_USER} connections open here already: close one first`;
  }

  /** Sockets open right now. */
  get size(): number {
    return this.open.size;
  }

  [Symbol.iterator](): Iterator<Connection> {
    return this.open[Symbol.iterator]();
  }

  /** The connection of a socket `add` counted in. */
  of(ws: WebSocket): Connection | undefined {
    return this.byWs.get(ws);
  }

  /** Calls `hook` with each connection that closes, after it has been counted out. */
  onClose(hook: (connection: Connection) => void): void {
    this.closeHooks.push(hook);
  }

  /** The refusal for a new socket from `address` when that address has its fill open here. */
  addressFull(address: string): string | null {
    if (this.perAddress.count(address) < this.caps.WS_MAX_CONNECTIONS_PER_ADDRESS) return null;
    return `Too Many Requests: ${this.caps.WS_MAX_CONNECTIONS_PER_ADDRESS} connections from this address are open here already`;
  }

  /** Counts a new socket in, and out again when it closes. */
  add(
    ws: WebSocket,
    protocol: Connection["protocol"],
    actor: Actor | null,
    address: string,
    charge: Charge,
    upgradeToken: string | null,
  ): Connection {
    const now = Date.now();
    const connection: Connection = {
      ws,
      charge,
      actor,
      address,
      protocol,
      openedAt: now,
      heardAt: now,
      pingedAt: 0,
      upgradeToken,
      countedUser: false,
      incoming: new IncomingFrames(),
    };
    this.open.add(connection);
    this.byWs.set(ws, connection);
    this.perAddress.add(address);
    this.metrics.connections.inc();
    ws.on("close", this.heardClose);
    return connection;
  }

  /** Counts an account's socket; false (and nothing counted) when the account has its fill open here. */
  countUser(connection: Connection, actor: Actor): boolean {
    if (this.perUser.count(actor.userId) >= this.caps.WS_MAX_CONNECTIONS_PER_USER) return false;
    this.perUser.add(actor.userId);
    connection.countedUser = true;
    return true;
  }

  private remove(connection: Connection) {
    if (!this.open.delete(connection)) return;
    this.perAddress.remove(connection.address);
    if (connection.countedUser && connection.actor) this.perUser.remove(connection.actor.userId);
    this.metrics.connections.dec();
    for (const hook of this.closeHooks) hook(connection);
  }
}

/** How many of something are open per key; keys at zero are forgotten. */
class Tally<K> {
  private readonly counts = new Map<K, number>();

  count(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  add(key: K): void {
    this.counts.set(key, this.count(key) + 1);
  }

  remove(key: K): void {
    const left = this.count(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}
