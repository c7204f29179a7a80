"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback } from "react";
import { applyProfile, refreshEverything, useApplyMemberChange } from "./people-cache";
import { useSetViewer, useViewer } from "./session-context";
import { type MyDirect, type MyRoom, useTRPC } from "./trpc";

/** The server counts unread messages up to this many. */
const UNREAD_CAP = 100;

/**
 * My rooms and direct conversations with their unread counts, kept current by my own event stream:
 * rooms joined, left or invited to, new direct conversations, and activity in every room of mine.
 * `openRoomId` is the conversation on screen: its messages are read as they arrive.
 *
 * The same stream keeps everything else on the page that names or counts people current: who
 * joined, was invited to or left any of my rooms, and the new name or display name of anyone in
 * them (members, direct conversations, People, messages' authors), and of me (header, profile).
 */
export function useConversations(openRoomId: number | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const viewer = useViewer();
  const setViewer = useSetViewer();
  const applyMemberChange = useApplyMemberChange();
  const rooms = useQuery(trpc.rooms.mine.queryOptions());
  const directs = useQuery(trpc.direct.list.queryOptions());

  const setUnread = useCallback(
    (roomId: number, update: (unread: number) => number) => {
      queryClient.setQueryData(trpc.rooms.mine.queryKey(), (list: MyRoom[] | undefined) =>
        list?.map((room) => (room.id === roomId ? { ...room, unread: update(room.unread) } : room)),
      );
      queryClient.setQueryData(trpc.direct.list.queryKey(), (list: MyDirect[] | undefined) =>
        list?.map((direct) => (direct.room.id === roomId ? { ...direct, unread: update(direct.unread) } : direct)),
      );
    },
    [queryClient, trpc],
  );

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
          case "room.activity":
            if (event.roomId !== openRoomId && event.kind === "text" && event.authorId !== viewer.id) {
              setUnread(event.roomId, (unread) => Math.min(unread + 1, UNREAD_CAP));
            }
            break;
          case "user.read":
            setUnread(event.roomId, () => 0);
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
          case "resync":
            refreshAll();
            break;
        }
      },
    }),
  );

  return { rooms, directs };
}
