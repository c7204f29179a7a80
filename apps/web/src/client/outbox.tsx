"use client";

import { FileOut } from "@parley/api/schemas";
import type { ConnectionState } from "@parley/ui";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { z } from "zod";
import { isLinkFailure, isSessionEnded, messageOf } from "./errors";
import { reconnectDelayMs } from "./link-health";
import { ReconnectContext } from "./session-context";
import { type Message, useTRPCClient } from "./trpc";

/** How long one send over HTTP may take before it counts as lost on the way (the link is down), in ms. */
export const SEND_TIMEOUT_MS = 10_000;

/**
 * A message sent while the link to the server was down, waiting in this tab to go out with its own
 * client id (the server stores a client id once: a send repeated after a lost answer is no double).
 * `queued`: waiting for the link; `failed`: the server refused it when it went out (`error` says why).
 * Files are uploaded while online (the composer needs the server for that); a message whose files
 * are all up may wait here like any other, and goes out with their ids.
 */
export const QueuedMessage = z.object({
  clientId: z.string().min(1).max(100),
  roomId: z.number().int().positive(),
  text: z.string(),
  /** The files it carries, uploaded already (their ids go with it; the rest draws them meanwhile). */
  files: z.array(FileOut).default([]),
  /** ISO 8601: when it was written. */
  createdAt: z.string(),
  status: z.enum(["queued", "failed"]),
  error: z.string().optional(),
});
export type QueuedMessage = z.infer<typeof QueuedMessage>;

export interface Outbox {
  /** Everything waiting or refused, oldest first, in every room. */
  messages: QueuedMessage[];
  /** Whether `roomId` has messages waiting: a new one must queue behind them to keep the order. */
  holds(roomId: number): boolean;
  /** Queues a message, and sends the queue now if the browser is online. */
  enqueue(message: Omit<QueuedMessage, "status" | "error" | "files"> & { files?: FileOut[] }): void;
  /** Drops a message that has not gone out (one already on its way may still be stored). */
  cancel(clientId: string): void;
  /** Queues a refused message again. */
  retry(clientId: string): void;
  /** Sends what waits, in order, one at a time, now. */
  flush(): void;
  /** Calls `listener` with each queued message of `roomId` the server stored; returns what stops it. */
  onStored(roomId: number, listener: (message: Message) => void): () => void;
}

const OutboxContext = createContext<Outbox | null>(null);

export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error("useOutbox is used outside OutboxProvider");
  return outbox;
}

const STORAGE_PREFIX = "parley:outbox:";

/** Where a tab keeps its queue, per signed-in person: a reload keeps it, another tab does not see it. */
const storageKey = (userId: number) => `${STORAGE_PREFIX}${userId}`;

/**
 * Set once this page signs out: the queue is neither sent on nor written again, so a send finishing
 * (or a retry firing) while the sign-out is on its way cannot put it back.
 */
let forgotten = false;

/**
 * Drops every queue this tab kept, for good on this page (signing out: unsent text must not stay
 * behind on a shared computer).
 */
export function forgetQueuedMessages(): void {
  forgotten = true;
  try {
    const keys = Array.from({ length: sessionStorage.length }, (_, i) => sessionStorage.key(i));
    for (const key of keys) if (key?.startsWith(STORAGE_PREFIX)) sessionStorage.removeItem(key);
  } catch {
    // No storage: nothing was kept.
  }
}

function restore(userId: number): QueuedMessage[] {
  try {
    const parsed = z.array(QueuedMessage).safeParse(JSON.parse(sessionStorage.getItem(storageKey(userId)) ?? "[]"));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * The tab's queue of messages sent while offline (one for every room, so that switching rooms keeps
 * it, and kept in sessionStorage across a reload). It sends them in order, one at a time, with their
 * own client ids, when the browser goes online, when the realtime socket connects again, and after a
 * failed attempt on the reconnect backoff (`reconnectDelayMs`), as long as the browser says it is online.
 * "Retry now" (`ReconnectContext`, provided here) calls `reconnectNow` and sends the queue.
 */
export function OutboxProvider({
  userId,
  connection,
  reconnectNow,
  children,
}: {
  userId: number;
  connection: ConnectionState;
  reconnectNow: () => void;
  children: ReactNode;
}) {
  const client = useTRPCClient();
  const [messages, setMessages] = useState<QueuedMessage[]>([]);
  const held = useRef<QueuedMessage[]>([]);
  const listeners = useRef(new Map<number, Set<(message: Message) => void>>());
  const sending = useRef(false);
  const failures = useRef(0);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const update = useCallback(
    (change: (messages: QueuedMessage[]) => QueuedMessage[]) => {
      if (forgotten) return;
      held.current = change(held.current);
      setMessages(held.current);
      try {
        if (held.current.length > 0) sessionStorage.setItem(storageKey(userId), JSON.stringify(held.current));
        else sessionStorage.removeItem(storageKey(userId));
      } catch {
        // Storage full or refused: the queue still lives in this page.
      }
    },
    [userId],
  );

  const flush = useCallback(async () => {
    if (sending.current) return;
    sending.current = true;
    clearTimeout(retryTimer.current);
    try {
      for (;;) {
        if (!navigator.onLine || forgotten) return;
        const next = held.current.find((message) => message.status === "queued");
        if (!next) return;
        try {
          const { roomId, text, clientId, files } = next;
          const fileIds = files.length > 0 ? files.map((file) => file.id) : undefined;
          const stored = await client.messages.send.mutate(
            { roomId, text, clientId, fileIds },
            { signal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
          );
          failures.current = 0;
          update((messages) => messages.filter((message) => message.clientId !== clientId));
          for (const listener of listeners.current.get(roomId) ?? []) listener(stored);
        } catch (error) {
          if (isLinkFailure(error)) {
            retryTimer.current = setTimeout(() => void flush(), reconnectDelayMs(++failures.current));
            return;
          }
          if (isSessionEnded(error)) return;
          const reason = messageOf(error);
          update((messages) =>
            messages.map((message) =>
              message.clientId === next.clientId ? { ...message, status: "failed", error: reason } : message,
            ),
          );
        }
      }
    } finally {
      sending.current = false;
    }
  }, [client, update]);

  useEffect(() => {
    update(() => restore(userId));
    void flush();
  }, [userId, update, flush]);

  useEffect(() => {
    if (connection === "connected") void flush();
  }, [connection, flush]);

  useEffect(() => {
    const online = () => void flush();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      clearTimeout(retryTimer.current);
    };
  }, [flush]);

  const onStored = useCallback((roomId: number, listener: (message: Message) => void) => {
    const room = listeners.current.get(roomId) ?? new Set();
    listeners.current.set(roomId, room);
    room.add(listener);
    return () => void room.delete(listener);
  }, []);

  const outbox = useMemo<Outbox>(
    () => ({
      messages,
      holds: (roomId) => messages.some((message) => message.roomId === roomId && message.status === "queued"),
      enqueue(message) {
        update((messages) => [
          ...messages.filter((held) => held.clientId !== message.clientId),
          { ...message, files: message.files ?? [], status: "queued" },
        ]);
        void flush();
      },
      cancel(clientId) {
        update((messages) => messages.filter((message) => message.clientId !== clientId));
      },
      retry(clientId) {
        update((messages) =>
          messages.map((message) =>
            message.clientId === clientId ? { ...message, status: "queued", error: undefined } : message,
          ),
        );
        void flush();
      },
      flush: () => void flush(),
      onStored,
    }),
    [messages, update, flush, onStored],
  );

  const retryNow = useCallback(() => {
    reconnectNow();
    void flush();
  }, [reconnectNow, flush]);

  return (
    <ReconnectContext.Provider value={retryNow}>
      <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>
    </ReconnectContext.Provider>
  );
}
