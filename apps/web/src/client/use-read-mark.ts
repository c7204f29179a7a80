"use client";

import { useMutation } from "@tanstack/react-query";
import { useCallback, useEffect, useRef } from "react";
import { useTRPC } from "./trpc";

/** Read marks go to the server at most this often while messages stream in. */
const MARK_READ_EVERY_MS = 1000;

/**
 * Tells the server how far the reader has read (`rooms.markRead`), while the tab is visible: at
 * once, then at most once per MARK_READ_EVERY_MS as `readSeq` moves on (each mark is a write and an
 * event). `readSeq` is what the reader has actually seen (see useUnread), never merely what loaded.
 */
export function useReadMark(roomId: number, readSeq: number | undefined) {
  const trpc = useTRPC();
  const { mutate: markRead } = useMutation(trpc.rooms.markRead.mutationOptions());
  const newest = useRef(readSeq);
  newest.current = readSeq;
  const marked = useRef({ at: 0, seq: -1, due: undefined as ReturnType<typeof setTimeout> | undefined });

  const mark = useCallback(() => {
    const state = marked.current;
    state.due = undefined;
    const seq = newest.current;
    if (seq === undefined || seq <= state.seq || document.visibilityState !== "visible") return;
    state.at = Date.now();
    state.seq = seq;
    markRead({ roomId, seq });
  }, [roomId, markRead]);

  useEffect(() => {
    const state = marked.current;
    if (readSeq === undefined || state.due) return;
    const wait = state.at + MARK_READ_EVERY_MS - Date.now();
    if (wait <= 0) mark();
    else state.due = setTimeout(mark, wait);
  }, [readSeq, mark]);

  useEffect(() => {
    const state = marked.current;
    document.addEventListener("visibilitychange", mark);
    return () => {
      document.removeEventListener("visibilitychange", mark);
      clearTimeout(state.due);
      state.due = undefined;
    };
  }, [mark]);
}
