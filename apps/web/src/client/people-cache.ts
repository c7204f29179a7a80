"use client";

import type { QueryClient } from "@tanstack/react-query";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import {
  type Member,
  type MemberEvent,
  type MyDirect,
  type MyRoom,
  type PublicUser,
  type RoomOut,
  useTRPC,
} from "./trpc";

/**
 * Where this page keeps the newest profile it has heard of for each person (from `room.member`
 * "updated" events): messages show their author by it, whatever name the message was sent under.
 */
const PROFILES_KEY = ["parley", "profiles"] as const;
type Profiles = ReadonlyMap<number, PublicUser>;
const noProfiles: Profiles = new Map();

/** The newest profiles heard of since the page opened, by user id. */
export function useHeardProfiles(): Profiles {
  const { data } = useQuery({
    queryKey: PROFILES_KEY,
    queryFn: () => noProfiles,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  return data ?? noProfiles;
}

/** Reads again every query of the page (not the profiles heard, which no query can give back). */
export const refreshEverything = (queryClient: QueryClient) =>
  queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== PROFILES_KEY[0] });

interface UsersPage {
  items: PublicUser[];
  nextCursor: string | null;
}
interface UsersPages {
  pages: UsersPage[];
  pageParams: unknown[];
}

/**
 * Applies a change to a room's members to everything this page holds that names them or counts
 * them: the room's member list, its owner, the direct-conversation list, the People directory and
 * the profiles messages are shown by. Nothing is fetched for a change the event describes whole;
 * a member list being fetched while the change arrived is fetched again (the answer may predate it).
 */
export function useApplyMemberChange() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (event: MemberEvent) => {
      const membersKey = trpc.rooms.members.queryKey({ roomId: event.roomId });
      const setMembers = (update: (members: Member[]) => Member[]) => {
        queryClient.setQueryData(membersKey, (members: Member[] | undefined) => members && update(members));
        if (queryClient.getQueryState(membersKey)?.fetchStatus === "fetching") {
          void queryClient.invalidateQueries({ queryKey: membersKey });
        }
      };
      switch (event.change) {
        case "joined":
        case "invited":
          setMembers((members) =>
            members.some((member) => member.user.id === event.member.user.id) ? members : [...members, event.member],
          );
          break;
        case "left":
          setMembers((members) =>
            members
              .filter((member) => member.user.id !== event.userId)
              .map((member) => (member.user.id === event.heirId ? { ...member, role: "owner" as const } : member)),
          );
          queryClient.setQueryData(trpc.rooms.get.queryKey({ roomId: event.roomId }), (room: RoomOut | undefined) =>
            room && room.ownerId === event.userId ? { ...room, ownerId: event.heirId } : room,
          );
          break;
        case "removed":
          setMembers((members) => members.filter((member) => member.user.id !== event.userId));
          break;
        case "updated":
          applyProfile(queryClient, trpc, event.user);
          break;
      }
    },
    [queryClient, trpc],
  );
}

/** Shows a room by its name and topic now (`room.updated`): its page and my sidebar; directories read again. */
export function applyRoom(queryClient: QueryClient, trpc: ReturnType<typeof useTRPC>, room: RoomOut): void {
  queryClient.setQueryData(trpc.rooms.get.queryKey({ roomId: room.id }), room);
  queryClient.setQueryData(trpc.rooms.mine.queryKey(), (list: MyRoom[] | undefined) =>
    list?.map((entry) => (entry.id === room.id ? { ...entry, ...room } : entry)),
  );
  void queryClient.invalidateQueries({ queryKey: trpc.rooms.public.pathKey() });
}

/** Shows a person by their profile now, wherever this page holds a copy of it. */
export function applyProfile(queryClient: QueryClient, trpc: ReturnType<typeof useTRPC>, user: PublicUser): void {
  queryClient.setQueryData(PROFILES_KEY, (profiles: Profiles | undefined) =>
    new Map(profiles ?? noProfiles).set(user.id, user),
  );
  queryClient.setQueriesData({ queryKey: trpc.rooms.members.pathKey() }, (members: Member[] | undefined) =>
    members?.map((member) => (member.user.id === user.id ? { ...member, user } : member)),
  );
  queryClient.setQueryData(trpc.direct.list.queryKey(), (directs: MyDirect[] | undefined) =>
    directs?.map((direct) => (direct.peer.id === user.id ? { ...direct, peer: user } : direct)),
  );
  queryClient.setQueriesData({ queryKey: trpc.users.list.pathKey() }, (data: UsersPages | undefined) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            items: page.items.map((item) => (item.id === user.id ? user : item)),
          })),
        }
      : data,
  );
}
