"use client";

import type { PresenceStatus } from "@parley/ui";

/**
 * The presence of a person as the server last said (online, away or offline); watching begins when
 * a component asks and ends when the last one unmounts.
 *
 * CONTRACT STUB (issue 15): the presence work replaces this body with the real provider; other
 * components may already call it.
 */
export function usePresence(_userId: number | undefined): PresenceStatus {
  return "offline";
}
