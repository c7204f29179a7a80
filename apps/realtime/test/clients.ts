import type { AppRouter } from "@parley/api";
import {
  createTRPCClient,
  createWSClient,
  httpLink,
  type TRPCClient,
  type TRPCWebSocketClient,
  wsLink,
} from "@trpc/client";
import WebSocket from "ws";

export type ParleyClient = TRPCClient<AppRouter>;

/** A typed client over plain HTTP. */
export function httpClient(baseUrl: string, token?: string): ParleyClient {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${baseUrl}/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
  });
}

/** A typed client over one WebSocket; `url` may be a function, to reconnect elsewhere. */
export function wsClient(
  url: string | (() => string),
  token?: string,
  options: { onClose?: (cause?: { code?: number }) => void } = {},
): { client: ParleyClient; ws: TRPCWebSocketClient } {
  const ws = createWSClient({
    url: () => {
      const base = typeof url === "function" ? url() : url;
      return `${base.replace(/^http/, "ws")}/trpc`;
    },
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    ...(token ? { connectionParams: { token } } : {}),
    retryDelayMs: () => 100,
    ...(options.onClose ? { onClose: options.onClose } : {}),
  });
  return { client: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }), ws };
}

/** Collects what a subscription delivers; `waitFor` resolves when a condition over them holds. */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: (() => void)[] = [];
  error: unknown = null;

  push = (item: T) => {
    this.items.push(item);
    for (const w of this.waiters.splice(0)) w();
  };

  fail = (error: unknown) => {
    this.error = error;
    for (const w of this.waiters.splice(0)) w();
  };

  async waitFor(check: (items: T[]) => boolean, what: string, timeoutMs = 20_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this.items)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; have ${this.items.length} items`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 250).unref();
      });
    }
    return this.items;
  }

  /** Waits for an item that `check` accepts and takes it out, so that the next call sees only the rest. */
  async take(check: (item: T) => boolean, what: string, timeoutMs?: number): Promise<T> {
    const items = await this.waitFor((all) => all.some(check), what, timeoutMs);
    return items.splice(items.findIndex(check), 1)[0] as T;
  }
}

/**
 * Waits until a user's `events.mine` stream follows the user's rooms. The user's own profile event
 * comes through once it does; one sent before the subscription reached the bus is lost, so this
 * sends another (changing nothing) every second until one arrives. Throws after `attempts` tries.
 */
export async function untilStreamFollows<T>(
  client: ParleyClient,
  inbox: Inbox<T>,
  isProfile: (item: T) => boolean,
  attempts = 20,
): Promise<void> {
  for (let attempt = 1; !inbox.items.some(isProfile); attempt++) {
    await client.profile.update.mutate({ displayName: null });
    await inbox
      .waitFor((items) => items.some(isProfile), "the stream to follow the user's rooms", 1000)
      .catch((error) => {
        if (attempt >= attempts) throw error;
      });
  }
}

export interface RoomMessage {
  seq: number;
  body: string;
}

/** Subscribes to a room's messages (and resets), with tRPC's own resume on reconnect. */
export function followRoom(client: ParleyClient, roomId: number, lastEventId?: string) {
  const inbox = new Inbox<RoomMessage>();
  const subscription = client.events.room.subscribe(
    { roomId, ...(lastEventId ? { lastEventId } : {}) },
    {
      onData: (tracked) => {
        const event = tracked.data;
        if (event.type === "message") inbox.push({ seq: event.message.seq, body: event.message.body });
      },
      onError: inbox.fail,
    },
  );
  return { inbox, stop: () => subscription.unsubscribe() };
}

/** One Prometheus sample's value, by its name and (optional) labels as written in the text format. */
export function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").at(-1)) : Number.NaN;
}
