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

/**
 * Publishes events committed together (a batch of new messages, see send-batch.ts) without waiting
 * for each before the next: they are handed to the bus in the order given, which every bus keeps
 * per channel (one Redis connection answers in order), so a room's events stay in sequence order.
 */
export async function publishInOrder(events: readonly { bus: Deps["bus"]; event: BusEvent }[]): Promise<void> {
  const handed: Promise<void>[] = [];
  // Each run of events for one bus at once (`publishAll`, one write to Redis), in order.
  for (let start = 0; start < events.length; ) {
    const bus = events[start]?.bus as Deps["bus"];
    let end = start + 1;
    while (end < events.length && events[end]?.bus === bus) end++;
    const run = events.slice(start, end).map((e) => e.event);
    handed.push(
      bus.publishAll && run.length > 1
        ? bus.publishAll(run)
        : Promise.all(run.map((e) => bus.publish(e))).then(() => {}),
    );
    start = end;
  }
  await Promise.all(handed);
}
