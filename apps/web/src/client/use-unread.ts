"use client";

import type { ListView } from "@parley/ui";
import { useQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { messageDomId } from "./message-row";
import { useReportReading } from "./reading-now";
import { type Message, useTRPC } from "./trpc";

/** The DOM id of the "New messages" divider, where a conversation with unread messages opens. */
export const UNREAD_DIVIDER_ID = "new-messages";
/** At most this many older pages are read to reach the first unread message (the server counts up to 100). */
const MAX_EXTRA_PAGES = 3;

/** The parts of a room's timeline (`useRoomTimeline`) that unread tracking reads. */
interface TimelinePart {
  messages: Message[];
  newestSeq: number | undefined;
  startAfter: number | null;
  loaded: boolean;
  /** The message a window around an older one was opened at (a search result), else null. */
  anchorId: number | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  error: string | null;
  loadOlder: () => Promise<void>;
}

export interface Unread {
  /** The timeline may be shown: the first unread message is loaded (or there is none, or it is too far back). */
  ready: boolean;
  /** The sequence number of the first unread message, before which the "New messages" divider goes. */
  dividerSeq: number | undefined;
  /** Where the message list lands when it opens (the divider's DOM id), when there is unread. */
  landAt: string | undefined;
  /** For `MessageList.onView`. */
  onView: (view: ListView) => void;
  /** How far the reader has seen: the newest sequence number when at the bottom, else the last message seen. */
  readSeq: number | undefined;
  /** Messages by others, after what the reader has seen: the count on "Jump to latest". */
  newBelow: number;
}

/**
 * A conversation's unread messages as the reader meets them: where they began when the room was
 * opened (the server's read mark, `lastReadSeq` from `rooms.mine` or `direct.list`, taken once),
 * older pages read until that point is loaded (up to MAX_EXTRA_PAGES), and how far the reader has
 * seen since, from the message list's view: the read mark that may go to the server.
 *
 * `jumping`: the room opened at an older message (a search result): no "New messages" divider and no
 * older pages read to reach it; the list lands on the message found, and the read mark only moves as
 * far as the reader has actually scrolled (never to the room's end while an older window is shown).
 */
export function useUnread(
  roomId: number,
  timeline: TimelinePart,
  viewerId: number,
  isMember: boolean,
  jumping = false,
): Unread {
  const trpc = useTRPC();
  const rooms = useQuery(trpc.rooms.mine.queryOptions());
  const directs = useQuery(trpc.direct.list.queryOptions());
  // undefined: not known yet; null: no read mark (not a member, or not listed).
  const [readAtOpen, setReadAtOpen] = useState<number | null | undefined>(undefined);
  useEffect(() => {
    if (readAtOpen !== undefined || !rooms.isSuccess || !directs.isSuccess) return;
    const room = rooms.data.find((entry) => entry.id === roomId);
    const direct = directs.data.find((entry) => entry.room.id === roomId);
    setReadAtOpen(room?.lastReadSeq ?? direct?.lastReadSeq ?? null);
  }, [readAtOpen, rooms.isSuccess, rooms.data, directs.isSuccess, directs.data, roomId]);

  const { messages, startAfter, hasOlder, loadingOlder, error, loadOlder } = timeline;
  // Unread when the room opened: after the read mark, and in the history read then (`startAfter`,
  // where the live stream begins). What arrives while the room is open gets no divider.
  const unreadFrom = (message: Message) =>
    !jumping &&
    readAtOpen != null &&
    startAfter !== null &&
    message.seq > readAtOpen &&
    message.seq <= startAfter &&
    message.kind === "text" &&
    message.author?.id !== viewerId;
  const dividerSeq = messages.find(unreadFrom)?.seq;
  const { loaded, anchorId } = timeline;
  const oldest = messages[0]?.seq;
  const reachedMark = readAtOpen == null || oldest === undefined || oldest <= readAtOpen;
  const [extraPages, setExtraPages] = useState(0);
  const wantsOlder = !jumping && loaded && !reachedMark && hasOlder && extraPages < MAX_EXTRA_PAGES && error === null;
  useEffect(() => {
    if (!wantsOlder || loadingOlder) return;
    setExtraPages((pages) => pages + 1);
    void loadOlder();
  }, [wantsOlder, loadingOlder, loadOlder]);
  const ready =
    !isMember ||
    error !== null ||
    (jumping ? loaded : loaded && readAtOpen !== undefined && !wantsOlder && !loadingOlder);

  const [view, setView] = useState<ListView | undefined>(undefined);
  const seqById = useMemo(
    () => new Map(messages.map((message) => [messageDomId(message.id), message.seq])),
    [messages],
  );
  const lastSeenSeq = view?.lastSeenId === undefined ? undefined : seqById.get(view.lastSeenId);
  // Seen stays seen: scrolling back up does not move the mark back.
  const [seenUpTo, setSeenUpTo] = useState(0);
  const seenNow = view?.atBottom ? timeline.newestSeq : lastSeenSeq;
  useEffect(() => {
    if (ready && seenNow !== undefined) setSeenUpTo((seen) => Math.max(seen, seenNow));
  }, [ready, seenNow]);
  // A view with no message in it (the list before its messages are drawn) has seen nothing.
  const reportReading = useReportReading(roomId);
  const onView = useCallback(
    (next: ListView) => {
      if (next.lastSeenId === undefined) return;
      setView(next);
      reportReading(next.atBottom);
    },
    [reportReading],
  );

  const seenFrom = Math.max(seenUpTo, readAtOpen ?? 0);
  const newBelow = messages.filter(
    (message) =>
      message.seq > seenFrom &&
      message.kind === "text" &&
      message.parentId === null &&
      !message.deletedAt &&
      message.author?.id !== viewerId,
  ).length;

  return {
    ready,
    dividerSeq,
    landAt: jumping
      ? anchorId === null
        ? undefined
        : messageDomId(anchorId)
      : dividerSeq === undefined
        ? undefined
        : UNREAD_DIVIDER_ID,
    onView,
    readSeq: seenUpTo > 0 ? seenUpTo : undefined,
    newBelow,
  };
}
