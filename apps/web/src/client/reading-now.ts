"use client";

import { createContext, type RefObject, useContext, useEffect } from "react";

/**
 * The conversation whose newest messages the reader has in view right now (its message list at the
 * bottom, the tab visible), or null. The room view knows it; the sidebar's counts ask it, so that a
 * message arriving there is not counted unread (it is read at once, and the read mark follows), while
 * one arriving as the reader is scrolled up, or reading the "New messages" divider, is.
 */
export const ReadingNowContext = createContext<RefObject<number | null>>({ current: null });

/** The room view's side: says whether `roomId` is followed at its bottom; forgets it on leaving. */
export function useReportReading(roomId: number): (atBottom: boolean) => void {
  const reading = useContext(ReadingNowContext);
  useEffect(
    () => () => {
      if (reading.current === roomId) reading.current = null;
    },
    [reading, roomId],
  );
  return (atBottom) => {
    if (atBottom) reading.current = roomId;
    else if (reading.current === roomId) reading.current = null;
  };
}
