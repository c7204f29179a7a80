import type { BusEvent, Channel } from "./events";

/**
 * What ends a subscription: an `AbortSignal`, or any object that tells it the same way (`aborted`,
 * and each "abort" listener's `handleEvent` called once), such as a subscription's `streamed`
 * stream when it is returned (api/trpc.ts), which costs far less than an AbortController.
 */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: { handleEvent(): void }, options: { once: true }): void;
}

export interface Bus {
  /** Delivers the event to every subscriber of its channel, in this process and (Redis) in others. */
  publish(event: BusEvent): Promise<void>;
  /**
   * `publish` for each event, in the order given, handed over at once (to Redis in one write
   * rather than one per event). Optional: `publishInOrder` publishes one by one without it.
   */
  publishAll?(events: readonly BusEvent[]): Promise<void>;
  /**
   * Resolves once the subscription to every channel is live (events published after that are
   * delivered), then yields their events, in publishing order per channel, until `signal` aborts.
   */
  subscribe(channels: Channel | Channel[], signal: StopSignal): Promise<Subscription>;
  /** Resolves when the bus's server answers (a bus between processes only). */
  ping?(): Promise<void>;
  close(): Promise<void>;
}

/** One subscriber's events, from a set of channels that may grow and shrink while it is read. */
export interface Subscription extends AsyncIterable<BusEvent> {
  /** Resolves once the channels are live too. Adding a channel the subscription has changes nothing. */
  addChannels(channels: Channel | Channel[]): Promise<void>;
  /**
   * Stops delivering the channels' events at once: those already queued for this subscriber are
   * still yielded, those still on their way (from Redis) are not.
   */
  removeChannels(channels: Channel | Channel[]): void;
  /**
   * Offers events to `take` as the bus receives them, synchronously, whenever the reader waits
   * with nothing queued: what it takes is not queued. What it declines is queued, and so is
   * everything after it until the reader has drained the queue again, so the order holds.
   */
  offerDirectly(take: (event: BusEvent) => boolean): void;
}

/** How a bus connects one subscriber's queue to a channel, and disconnects it again. */
export interface ChannelRegistry {
  /** Resolves once the channel's events reach the queue. */
  attach(channel: Channel, queue: EventQueue): Promise<unknown>;
  detach(channel: Channel, queue: EventQueue): void;
}

/**
 * The channel bookkeeping of one subscription, shared by every bus: which channels its queue is
 * attached to, and detaching all of them when the subscription ends (aborted, failed, closed).
 */
export class ChannelSubscription implements Subscription {
  /**
   * The channels the queue is attached to: one as itself, several in a Set. Most subscriptions
   * follow one channel (a room's stream), and a Set would cost each of them about 180 bytes more.
   */
  private attached: Channel | Set<Channel> | undefined;
  private readonly queue: EventQueue;
  private ended = false;

  constructor(
    private readonly registry: ChannelRegistry,
    signal: StopSignal,
  ) {
    this.queue = new EventQueue(signal, this);
    if (signal.aborted) this.ended = true;
  }

  /** The queue ended (aborted, failed, its reader stopped): detaches it from every channel. */
  end(): void {
    this.ended = true;
    const attached = this.attached;
    this.attached = undefined;
    if (attached === undefined) return;
    for (const channel of typeof attached === "string" ? [attached] : attached)
      this.registry.detach(channel, this.queue);
  }

  async addChannels(channels: Channel | Channel[]): Promise<void> {
    if (this.ended) return;
    // The registry answers a channel the queue is attached to already with its readiness, and
    // changes nothing.
    const ready = [channels].flat().map((channel) => {
      this.remember(channel);
      return this.registry.attach(channel, this.queue);
    });
    await Promise.all(ready);
  }

  removeChannels(channels: Channel | Channel[]): void {
    for (const channel of [channels].flat()) {
      const attached = this.attached;
      if (attached === channel) this.attached = undefined;
      else if (typeof attached !== "object" || !attached.delete(channel)) continue;
      this.registry.detach(channel, this.queue);
    }
  }

  private remember(channel: Channel): void {
    const attached = this.attached;
    if (attached === undefined) this.attached = channel;
    else if (typeof attached === "object") attached.add(channel);
    else if (attached !== channel) this.attached = new Set([attached, channel]);
  }

  offerDirectly(take: (event: BusEvent) => boolean): void {
    this.queue.offerDirectly(take);
  }

  [Symbol.asyncIterator](): AsyncIterator<BusEvent> {
    return this.queue[Symbol.asyncIterator]();
  }
}

/**
 * How long a room event (message or change) that skips sequence numbers waits for the ones it
 * skipped. Events are published after their transactions commit, and two writes to one room that
 * commit back to back can reach the bus in the opposite order (an edit can overtake the message
 * before it); without the wait, every subscriber of the room would read the "missing" event from
 * the database at once.
 */
export const REORDER_WAIT_MS = 100;

/**
 * The subscribers of one channel in this process, and the order they get its events in: a room's
 * messages and changes in sequence order, each one that arrives early held until the ones before it arrive
 * (at most `REORDER_WAIT_MS`; after that it goes on, and subscribers fill the gap from the
 * database). Other events go on at once.
 */
export class ChannelListeners {
  readonly queues = new Set<EventQueue>();
  /** The sequence number expected next, once a message has been seen. */
  private expected: number | undefined;
  private readonly held = new Map<number, BusEvent>();
  private waiting: NodeJS.Timeout | undefined;

  constructor(private readonly waitMs = REORDER_WAIT_MS) {}

  deliver(event: BusEvent): void {
    if (!isSequenced(event) || this.expected === undefined || event.seq <= this.expected) {
      this.handOn(event); // late ones too: each subscriber knows what it has already
      return;
    }
    this.held.set(event.seq, event);
    this.waiting ??= setTimeout(() => this.giveUpWaiting(), this.waitMs).unref();
  }

  /** Hands on what is held, in order, gaps and all: after a wait, or when the bus reconnected. */
  giveUpWaiting(): void {
    clearTimeout(this.waiting);
    this.waiting = undefined;
    const held = [...this.held.values()].sort((a, b) => seqOf(a) - seqOf(b));
    this.held.clear();
    for (const event of held) this.handOn(event);
  }

  private handOn(event: BusEvent): void {
    let next: BusEvent | undefined = event;
    while (next) {
      for (const queue of this.queues) queue.push(next);
      if (!isSequenced(next) || (this.expected ?? 0) > next.seq) return;
      this.expected = next.seq + 1;
      next = this.held.get(this.expected);
      this.held.delete(this.expected);
    }
    if (this.held.size === 0) {
      clearTimeout(this.waiting);
      this.waiting = undefined;
    }
  }
}

/** The events that take a room's sequence numbers: its messages and the changes to them. */
type SequencedEvent = Extract<BusEvent, { type: "room.message" | "room.change" }>;

export const isSequenced = (event: BusEvent): event is SequencedEvent =>
  event.type === "room.message" || event.type === "room.change";

const seqOf = (event: BusEvent) => (isSequenced(event) ? event.seq : 0);

/** A subscriber fell so far behind that its events were dropped; it must resync from the database. */
export class BusOverflowError extends Error {
  override readonly name = "BusOverflowError";
}

/** How many undelivered events one subscriber may hold before it is cut off. */
export const MAX_QUEUED_EVENTS = 10_000;

/** What an iterator answers once it is done. */
const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/**
 * The buffer between a channel and one subscriber: events pushed by the bus, pulled by the
 * consumer's `for await`. Ends when the signal aborts; fails when the consumer falls too far behind.
 *
 * Its own iterator (one per queue: iterate it once), a plain object rather than an async
 * generator: a subscriber that waits with nothing queued holds one pending promise here, not a
 * suspended generator with its frame and its promises.
 */
export class EventQueue implements AsyncIterable<BusEvent>, AsyncIterator<BusEvent> {
  private readonly buffer: BusEvent[] = [];
  /** Settles the reader's pending `next()`, once something is queued or the queue ended. */
  private wake: ((next: Promise<IteratorResult<BusEvent>>) => void) | undefined;
  private failure: Error | undefined;
  /** Takes events past the buffer while `idle`: see `Subscription.offerDirectly`. */
  private take: ((event: BusEvent) => boolean) | undefined;
  /** The reader waits with the buffer empty: everything it was handed has been dealt with. */
  private idle = false;
  /** `signal.aborted`, kept here: reading it through the signal costs more than the rest of a push. */
  private aborted: boolean;
  /** The reader has stopped (`return`), or was told the queue ended. */
  private finished = false;

  /** `owner.end()` is called once the queue ends (aborted, failed, or its reader stopped); maybe more than once. */
  constructor(
    signal: StopSignal,
    private readonly owner: { end(): void },
  ) {
    this.aborted = signal.aborted;
    // The queue itself listens (`handleEvent`): no closure per subscriber.
    signal.addEventListener("abort", this, { once: true });
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.aborted = true;
    this.end();
  }

  offerDirectly(take: (event: BusEvent) => boolean): void {
    this.take = take;
  }

  push(event: BusEvent): void {
    if (this.failure || this.aborted || this.finished) return;
    if (this.idle && this.take) {
      try {
        if (this.take(event)) return;
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
    }
    this.idle = false;
    if (this.buffer.length >= MAX_QUEUED_EVENTS) {
      this.fail(new BusOverflowError(`subscriber fell more than ${MAX_QUEUED_EVENTS} events behind`));
      return;
    }
    this.buffer.push(event);
    this.notify();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.end();
  }

  private end(): void {
    this.owner.end();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    if (!wake) return;
    this.wake = undefined;
    this.idle = false;
    wake(this.next());
  }

  /** The next event, once there is one; done once the signal aborted and the buffer is empty; rejects with a failure. */
  next(): Promise<IteratorResult<BusEvent>> {
    const event = this.buffer.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure) {
      this.stop();
      return Promise.reject(this.failure);
    }
    if (this.aborted || this.finished) {
      this.stop();
      return Promise.resolve(DONE);
    }
    this.idle = true;
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** The reader stops (a `for await` left early): the subscription ends, and a pending `next()` is done. */
  return(): Promise<IteratorResult<BusEvent>> {
    this.stop();
    this.notify();
    return Promise.resolve(DONE);
  }

  private stop(): void {
    if (this.finished) return;
    this.finished = true;
    this.buffer.length = 0;
    this.owner.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<BusEvent> {
    return this;
  }
}
