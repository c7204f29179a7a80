"use client";

import { MAX_WATCHED_USERS } from "@parley/api/schemas";
import type { PresenceStatus } from "@parley/ui";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { useTRPC } from "./trpc";
import { useDebounced } from "./use-debounced";

/**
 * After this long without pointer or keyboard input, in ms, this tab says it is idle (a hidden tab
 * gets no input, so it says so this long after it was hidden). The person shows as away when every
 * one of their tabs and clients is idle; any input, or showing the tab again, makes it active.
 */
export const IDLE_AFTER_MS = 5 * 60_000;

/** How long the watched set and the idle flag must hold still before the tab subscribes again, in ms. */
const RESUBSCRIBE_AFTER_MS = 300;

/** The input that counts as the person being at this tab. */
const INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"] as const;

/**
 * The tab's watched people (each counted once per component that shows them) and their statuses as
 * the server last said; components read it through `useSyncExternalStore`.
 */
class PresenceRegistry {
  private readonly counts = new Map<number, number>();
  private readonly statuses = new Map<number, PresenceStatus>();
  private readonly listeners = new Set<() => void>();
  /** The watched ids, in the order they were first watched, joined by ","; changes when the set does. */
  watchedKey = "";
  /** Changes whenever a status does. */
  version = 0;

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  /**
   * Statuses are kept for people no longer watched: the watched set can flip and flip back within
   * the resubscription's debounce, leaving the subscription (and its snapshot) as it was.
   */
  statusOf = (userId: number): PresenceStatus => this.statuses.get(userId) ?? "offline";

  /** Watches the people until the returned function is called. */
  watch(userIds: readonly number[]): () => void {
    for (const id of userIds) this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    this.changedSet();
    return () => {
      for (const id of userIds) {
        const count = (this.counts.get(id) ?? 1) - 1;
        if (count > 0) this.counts.set(id, count);
        else this.counts.delete(id);
      }
      this.changedSet();
    };
  }

  apply(statuses: readonly { userId: number; status: PresenceStatus }[]): void {
    for (const { userId, status } of statuses) this.statuses.set(userId, status);
    this.version++;
    this.notify();
  }

  private changedSet(): void {
    const key = [...this.counts.keys()].slice(0, MAX_WATCHED_USERS).join(",");
    if (key === this.watchedKey) return;
    this.watchedKey = key;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

const PresenceContext = createContext<PresenceRegistry | null>(null);

/** True once the person has given this tab no input for `afterMs` (see IDLE_AFTER_MS). */
function useIdle(afterMs: number): boolean {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    let lastInput = Date.now();
    let idleNow = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // One timer at a time, set for when the quiet would last long enough: input only moves `lastInput`.
    const check = () => {
      const quiet = Date.now() - lastInput;
      if (quiet < afterMs) {
        timer = setTimeout(check, afterMs - quiet);
        return;
      }
      idleNow = true;
      setIdle(true);
    };
    const active = () => {
      lastInput = Date.now();
      if (!idleNow) return;
      idleNow = false;
      setIdle(false);
      timer = setTimeout(check, afterMs);
    };
    const shown = () => document.visibilityState === "visible" && active();
    for (const type of INPUT_EVENTS) window.addEventListener(type, active, { passive: true });
    document.addEventListener("visibilitychange", shown);
    timer = setTimeout(check, afterMs);
    return () => {
      clearTimeout(timer);
      for (const type of INPUT_EVENTS) window.removeEventListener(type, active);
      document.removeEventListener("visibilitychange", shown);
    };
  }, [afterMs]);
  return idle;
}

/**
 * The tab's one presence subscription (`events.presence`): it counts this tab as the viewer's
 * connection, active or idle, and keeps the statuses of everybody a component watches. It
 * subscribes again (debounced) when the watched set or the idle flag changes; at most
 * MAX_WATCHED_USERS people, the first watched, are asked for. Mounted once, inside the tRPC provider.
 */
export function PresenceProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const [registry] = useState(() => new PresenceRegistry());
  const watchedKey = useSyncExternalStore(
    registry.subscribe,
    () => registry.watchedKey,
    () => "",
  );
  const away = useIdle(IDLE_AFTER_MS);
  const input = useDebounced(
    useMemo(() => ({ userIds: watchedKey ? watchedKey.split(",").map(Number) : [], away }), [watchedKey, away]),
    RESUBSCRIBE_AFTER_MS,
  );
  useSubscription(
    trpc.events.presence.subscriptionOptions(input, {
      onData(event) {
        registry.apply(event.type === "snapshot" ? event.statuses : [event]);
      },
    }),
  );
  return <PresenceContext.Provider value={registry}>{children}</PresenceContext.Provider>;
}

/**
 * The statuses of people (online, away or offline) as the server last said, watched while the
 * calling component is mounted: `statusOf(userId)`. Offline for anybody not heard of yet, and
 * outside a `PresenceProvider`.
 */
export function usePresences(userIds: readonly number[]): (userId: number) => PresenceStatus {
  const registry = useContext(PresenceContext);
  const key = [...new Set(userIds)].sort((a, b) => a - b).join(",");
  useEffect(() => registry?.watch(key ? key.split(",").map(Number) : []), [registry, key]);
  useSyncExternalStore(
    registry?.subscribe ?? noSubscription,
    () => registry?.version ?? 0,
    () => 0,
  );
  return registry?.statusOf ?? offline;
}

/** The presence of one person (see `usePresences`); offline while `userId` is undefined. */
export function usePresence(userId: number | undefined): PresenceStatus {
  const statusOf = usePresences(userId === undefined ? [] : [userId]);
  return userId === undefined ? "offline" : statusOf(userId);
}

const noSubscription = () => () => {};
const offline = (): PresenceStatus => "offline";
