"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useCallback } from "react";
import { useViewer } from "./session-context";
import { type MyDirect, type MyRoom, useTRPC } from "./trpc";

/** The server counts unread messages up to this many. */
const UNREAD_CAP = 100;

/**
 * My rooms and direct conversations with their unread counts, kept current by my own event stream:
 * rooms joined, left or invited to, new direct conversations, and activity in every room of mine.
 * `openRoomId` is the conversation on screen: its messages are read as they arrive.
 */
export function useConversations(openRoomId: number | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const viewer = useViewer();
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

  useSubscription(
    trpc.events.mine.subscriptionOptions(undefined, {
      // Whatever happened while the stream was down, the lists are read again when it (re)starts.
      onStarted: refreshLists,
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
          case "user.profile":
            refreshLists();
            break;
        }
      },
    }),
  );

  return { rooms, directs };
}
