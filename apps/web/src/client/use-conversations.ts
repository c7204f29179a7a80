"use client";

import type { live } from "@parley/api/services";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { type RefObject, useCallback } from "react";
import { applyProfile, applyRoom, refreshEverything, useApplyMemberChange } from "./people-cache";
import { useSetViewer, useViewer } from "./session-context";
import { type MyDirect, type MyRoom, useTRPC } from "./trpc";

/** The server counts unread messages up to this many. */
const UNREAD_CAP = 100;

/**
 * My rooms and direct conversations with their unread counts, kept current by my own event stream:
 * rooms joined, left, invited to or removed from, their new names and topics, what I muted, new
 * direct conversations, and activity in every room of mine (a muted room notifies of nothing).
 * `readingNow` is the conversation whose newest messages are in view (see ReadingNowContext): its
 * messages are read as they arrive, so they are not counted.
 *
 * The same stream keeps everything else on the page that names or counts people current: who
 * joined, was invited to or left any of my rooms, and the new name or display name of anyone in
 * them (members, direct conversations, People, messages' authors), and of me (header, profile).
 */
export function useConversations(readingNow: RefObject<number | null>) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const viewer = useViewer();
  const setViewer = useSetViewer();
  const applyMemberChange = useApplyMemberChange();
  const rooms = useQuery(trpc.rooms.mine.queryOptions());
  const directs = useQuery(trpc.direct.list.queryOptions());

  /** Changes a room's read state (unread, mentions, read mark) wherever the sidebar holds it. */
  const setCounts = useCallback(
    (roomId: number, update: (counts: Counts) => Partial<Counts>) => {
      queryClient.setQueryData(trpc.rooms.mine.queryKey(), (list: MyRoom[] | undefined) =>
        list?.map((room) => (room.id === roomId ? { ...room, ...update(room) } : room)),
      );
      queryClient.setQueryData(trpc.direct.list.queryKey(), (list: MyDirect[] | undefined) =>
        list?.map((direct) => (direct.room.id === roomId ? { ...direct, ...update(direct) } : direct)),
      );
    },
    [queryClient, trpc],
  );
  const notify = useNotify();

  const refreshLists = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: trpc.rooms.mine.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.direct.list.queryKey() });
  }, [queryClient, trpc]);

  // Whatever happened while the stream was down, or the bus lost, is read again: every list on the page.
  const refreshAll = useCallback(() => void refreshEverything(queryClient), [queryClient]);

  useSubscription(
    trpc.events.mine.subscriptionOptions(undefined, {
      onStarted: refreshAll,
      onData(event) {
        switch (event.type) {
          case "room.activity": {
            const reading = event.roomId === readingNow.current && document.visibilityState === "visible";
            setCounts(event.roomId, (counts) => countsAfter(counts, event, viewer.id, reading));
            if (event.change === "created" && event.authorId !== viewer.id && event.kind === "text") {
              const direct = directs.data?.find((entry) => entry.room.id === event.roomId);
              const muted = rooms.data?.find((entry) => entry.id === event.roomId)?.muted ?? false;
              if ((event.mentioned || direct) && !muted) notify(event, direct, rooms.data);
            }
            break;
          }
          case "room.counts":
            setCounts(event.roomId, () => ({ unread: event.unread, mentions: event.mentions }));
            break;
          case "user.read":
            // The counts it left follow (room.counts): a mark may stop short of the newest message.
            setCounts(event.roomId, () => ({ lastReadSeq: event.lastReadSeq }));
            break;
          case "user.room":
          case "user.direct":
            refreshLists();
            break;
          case "user.profile":
            setViewer({ id: event.user.id, username: event.user.username, displayName: event.user.displayName });
            applyProfile(queryClient, trpc, event.user);
            void queryClient.invalidateQueries({ queryKey: trpc.profile.mine.queryKey() });
            break;
          case "room.member":
            applyMemberChange(event);
            break;
          case "room.updated":
            applyRoom(queryClient, trpc, event.room);
            break;
          case "user.mute":
            queryClient.setQueryData(trpc.rooms.mine.queryKey(), (list: MyRoom[] | undefined) =>
              list?.map((room) => (room.id === event.roomId ? { ...room, muted: event.muted } : room)),
            );
            break;
          case "resync":
            refreshAll();
            break;
        }
      },
    }),
  );

  return { rooms, directs };
}

type Counts = Pick<MyRoom, "unread" | "mentions" | "lastReadSeq">;
type Activity = live.RoomActivity;

/**
 * A room's counts after one activity, as the server would count them: unread counts top-level text
 * messages by others after my read mark, mentions count every message (replies too) after it that
 * mentions me. An edit can add or take away a mention; a deletion takes away what it counted. In the
 * room I am reading at its bottom, new messages are read at once (the read mark follows), so nothing
 * is added.
 */
export function countsAfter(counts: Counts, event: Activity, viewerId: number, reading: boolean): Partial<Counts> {
  if (event.messageSeq <= counts.lastReadSeq) return {};
  const byOther = event.kind === "text" && event.authorId !== viewerId;
  const unreadText = byOther && event.parentId === null;
  const cap = (n: number) => Math.max(0, Math.min(n, UNREAD_CAP));
  switch (event.change) {
    case "created":
      if (reading) return {};
      return {
        unread: cap(counts.unread + (unreadText ? 1 : 0)),
        mentions: cap(counts.mentions + (event.mentioned ? 1 : 0)),
      };
    case "edited":
      return { mentions: cap(counts.mentions + Number(event.mentioned) - Number(event.mentionedBefore)) };
    case "deleted":
      return {
        unread: cap(counts.unread - (unreadText && counts.unread < UNREAD_CAP ? 1 : 0)),
        mentions: cap(counts.mentions - (event.mentionedBefore && counts.mentions < UNREAD_CAP ? 1 : 0)),
      };
    default:
      return {};
  }
}

/**
 * Browser notifications for mentions and direct messages while this tab is hidden, once the person
 * has allowed them (asked only from a click: see NotificationsButton).
 */
function useNotify() {
  return useCallback((event: Activity, direct: MyDirect | undefined, rooms: MyRoom[] | undefined) => {
    if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
    if (document.visibilityState !== "hidden") return;
    const room = rooms?.find((entry) => entry.id === event.roomId);
    const where = direct
      ? (direct.peer.displayName ?? direct.peer.username)
      : `#${room?.name ?? `room ${event.roomId}`}`;
    const title = event.mentioned ? `You were mentioned in ${where}` : `New message from ${where}`;
    const notification = new Notification(title, {
      body: "Open Parley to read it.",
      tag: `parley-room-${event.roomId}`,
    });
    notification.onclick = () => {
      window.focus();
      window.location.assign(`/chat/rooms/${event.roomId}`);
    };
  }, []);
}
