import type { Transaction } from "@parley/db";
import type { BusEvent } from "../bus";
import type { Deps } from "../deps";

export type Emit = (event: BusEvent) => void;

/**
 * Runs `work` in one transaction and publishes the events it emitted once (and only once) the
 * transaction has committed, in the order they were emitted. A rolled-back change publishes nothing.
 */
export async function transact<T>(
  { db, bus }: Pick<Deps, "db" | "bus">,
  work: (tx: Transaction, emit: Emit) => Promise<T>,
): Promise<T> {
  const events: BusEvent[] = [];
  const result = await db.transaction((tx) => work(tx, (event) => events.push(event)));
  for (const event of events) await bus.publish(event);
  return result;
}
