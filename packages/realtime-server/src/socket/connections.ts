import type { Actor, Deps } from "@parley/api";
import type { WebSocket } from "ws";
import type { RealtimeEnv } from "../env";
import type { Charge } from "./frame-pace";

export interface Connection {
  ws: WebSocket;
  /** Charges calls to the socket's frame allowance (see `framePacer`). */
  charge: Charge;
  actor: Actor | null;
  /** The client's address (see `clientAddressOf`). */
  address: string;
}

type Caps = Pick<RealtimeEnv, "WS_MAX_CONNECTIONS_PER_ADDRESS" | "WS_MAX_CONNECTIONS_PER_USER">;

/**
 * The sockets open on this instance, and their caps: WS_MAX_CONNECTIONS_PER_ADDRESS per client
 * address and WS_MAX_CONNECTIONS_PER_USER per account. A socket is counted in by `add` and out
 * again when it closes.
 */
export class Connections implements Iterable<Connection> {
  private readonly open = new Set<Connection>();
  private readonly byWs = new WeakMap<WebSocket, Connection>();
  /** Sockets open per client address and per account on this instance, for their caps. */
  private readonly perAddress = new Tally<string>();
  private readonly perUser = new Tally<number>();
  /** What a client past WS_MAX_CONNECTIONS_PER_USER is told. */
  readonly tooManyForUser: string;

  constructor(
    private readonly caps: Caps,
    private readonly metrics: Deps["metrics"],
  ) {
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

  /** The refusal for a new socket from `address` when that address has its fill open here. */
  addressFull(address: string): string | null {
    if (this.perAddress.count(address) < this.caps.WS_MAX_CONNECTIONS_PER_ADDRESS) return null;
    return `Too Many Requests: ${this.caps.WS_MAX_CONNECTIONS_PER_ADDRESS} connections from this address are open here already`;
  }

  /** Counts a new socket in, and out again when it closes. */
  add(ws: WebSocket, actor: Actor | null, address: string, charge: Charge): Connection {
    const connection: Connection = { ws, actor, address, charge };
    this.open.add(connection);
    this.byWs.set(ws, connection);
    this.perAddress.add(address);
    this.metrics.connections.inc();
    ws.once("close", () => {
      this.open.delete(connection);
      this.perAddress.remove(address);
      this.metrics.connections.dec();
    });
    return connection;
  }

  /** Counts an account's socket; false (and nothing counted) when the account has its fill open here. */
  countUser(connection: Connection, actor: Actor): boolean {
    if (this.perUser.count(actor.userId) >= this.caps.WS_MAX_CONNECTIONS_PER_USER) return false;
    this.perUser.add(actor.userId);
    connection.ws.once("close", () => this.perUser.remove(actor.userId));
    return true;
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
